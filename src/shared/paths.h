/* SPDX-License-Identifier: MIT */
#pragma once

#include "ovh-build-config.h"

/* Names users see (DESIGN section 2). Build-time ones come from meson. */
#define OVH_STATE_SUBDIR ".openvscode-server" /* server data, under the account's home */
#define OVH_TOKEN_NAME "token" /* generated token, under OVH_STATE_SUBDIR */
#define OVH_WORKSPACE_NAME "workspace" /* default folder, under the home */
#define OVH_CREDENTIAL_NAME "connection-token" /* systemd credential */
#define OVH_RUNTIME_DIR "/run/openvscode-server" /* RuntimeDirectory= of the units */
#define OVH_RUNTIME_TOKEN_NAME "connection-token"
#define OVH_ENVIRONMENT_FILE "/etc/openvscode-server/environment"
#define OVH_TMPFILES_CONF "openvscode-server.conf"
#define OVH_SERVER_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
