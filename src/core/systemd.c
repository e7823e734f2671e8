/* SPDX-License-Identifier: MIT */
#include "systemd.h"

#include <errno.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "ovh-error.h"

#define MANAGER_DEST "org.freedesktop.systemd1"
#define MANAGER_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"

int ovh_systemd_connect(sd_bus **ret, GError **error) {
        g_autoptr(sd_bus) bus = NULL;
        int r;

        if (geteuid() == 0) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
                if (r >= 0)
                        r = sd_bus_start(bus);
                if (r >= 0) {
                        *ret = g_steal_pointer(&bus);
                        return 0;
                }
                g_clear_pointer(&bus, sd_bus_flush_close_unref);
        }
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return ovh_fail(error, EX_UNAVAILABLE, -r, "cannot connect to systemd: %s; is systemd running?",
                                g_strerror(-r));
        *ret = g_steal_pointer(&bus);
        return 0;
}

int ovh_systemd_reload(GError **error) {
        g_autoptr(sd_bus) bus = NULL;
        sd_bus_error bus_error = SD_BUS_ERROR_NULL;
        int r;

        if (sd_booted() <= 0)
                return 0;
        r = ovh_systemd_connect(&bus, error);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, MANAGER_DEST, MANAGER_PATH, MANAGER_IFACE, "Reload", &bus_error, NULL, NULL);
        if (r < 0)
                r = ovh_fail(error, EX_OSERR, -r, "systemctl daemon-reload failed: %s",
                             bus_error.message ? bus_error.message : g_strerror(-r));
        sd_bus_error_free(&bus_error);
        return r < 0 ? r : 0;
}
