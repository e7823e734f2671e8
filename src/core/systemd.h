/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/* systemd's manager over sd-bus: the calls systemctl would make, with
 * systemd's own merged view of each unit, and without parsing any tool's
 * output. */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_flush_close_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)

/* Connects to the manager: root uses systemd's private socket
 * (/run/systemd/private), which works without a D-Bus daemon, as systemctl
 * does; anyone else the system bus. EX_UNAVAILABLE when neither answers. */
int ovh_systemd_connect(sd_bus **ret, GError **error);

/* systemctl daemon-reload: returns when the manager has reloaded. Does
 * nothing when the machine was not booted with systemd (a chroot, a test
 * outside nspawn). */
int ovh_systemd_reload(GError **error);
