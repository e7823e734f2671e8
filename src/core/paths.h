/* SPDX-License-Identifier: MIT */
#pragma once

#include "ovh-build-config.h"
#include "ovh-paths-config.h"

/* Names users see (the FILES sections of the man pages). Build-time ones come from meson. */
#define OVH_STATE_SUBDIR ".openvscode-server" /* server data, under the account's home */
#define OVH_TOKEN_NAME "token" /* generated token, under OVH_STATE_SUBDIR */
#define OVH_WORKSPACE_NAME "workspace" /* default folder, under the home */
#define OVH_CREDENTIAL_NAME "connection-token" /* systemd credential */
#define OVH_RUNTIME_DIR "/run/openvscode-server" /* RuntimeDirectory= of the units */
#define OVH_RUNTIME_TOKEN_NAME "connection-token"
#define OVH_RUNTIME_SIGNIN_NAME "sign-in" /* beside it: src/signin.js reads it */
#define OVH_ENVIRONMENT_FILE "/etc/openvscode-server/environment"
#define OVH_TMPFILES_CONF "openvscode-server.conf"
#define OVH_SERVER_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The units of the default instance, and of a per-user instance (NAME). */
#define OVH_SOCKET_UNIT "openvscode-server.socket"
#define OVH_SERVICE_UNIT "openvscode-server.service"
#define OVH_TEMPLATE_PREFIX "openvscode-server@"
#define OVH_CREDENTIALS_ROOT "/run/credentials" /* systemd: /run/credentials/UNIT/NAME */

/* The account's drop-in, written by the launcher's --prepare-unit at each
 * start (src/core/unit.h): runtime state that follows the configuration. */
#define OVH_ACCOUNT_UNIT_DROPIN_DIR "/run/systemd/system/" OVH_SERVICE_UNIT ".d"
#define OVH_ACCOUNT_UNIT_DROPIN OVH_ACCOUNT_UNIT_DROPIN_DIR "/40-openvscode-account.conf"

/* What openvscodectl (and the launcher's --prepare-unit) write; removing
 * each of these files undoes what it did. */
#define OVH_UNIT_DROPIN_DIR "/etc/systemd/system/" OVH_SERVICE_UNIT ".d"
#define OVH_SUDO_UNIT_DROPIN OVH_UNIT_DROPIN_DIR "/50-openvscodectl-sudo.conf"
#define OVH_SUDO_CONFIG_NAME "90-openvscodectl-sudo.conf" /* in launcher.conf.d/ */
#define OVH_USER_CONFIG_NAME "90-openvscodectl-user.conf" /* in launcher.conf.d/ */
#define OVH_SUDO_SAVED_PASSWORD_NAME "sudo-saved-password" /* next to launcher.conf */
#define OVH_SUDOERS_FILE "/etc/sudoers.d/openvscode-server"
#define OVH_TMPFILES_OVERRIDE "/etc/tmpfiles.d/" OVH_TMPFILES_CONF
