/* SPDX-License-Identifier: MIT */
#include "systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovh-error.h"

#define MANAGER_DEST "org.freedesktop.systemd1"
#define MANAGER_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define UNIT_IFACE "org.freedesktop.systemd1.Unit"
#define SERVICE_IFACE "org.freedesktop.systemd1.Service"
#define SOCKET_IFACE "org.freedesktop.systemd1.Socket"

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

static const char *bus_message(const sd_bus_error *bus_error, int r) {
        return bus_error->message ? bus_error->message : g_strerror(-r);
}

/* The unit's object, loaded when it is not yet (as systemctl show does:
 * GetUnit would fail for a unit that is installed but not loaded). */
static int unit_object(sd_bus *bus, const char *unit, char **ret, GError **error) {
        g_autoptr(sd_bus_message) reply = NULL;
        sd_bus_error bus_error = SD_BUS_ERROR_NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, MANAGER_DEST, MANAGER_PATH, MANAGER_IFACE, "LoadUnit", &bus_error, &reply, "s",
                               unit);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r < 0) {
                r = ovh_fail(error, EX_UNAVAILABLE, -r, "cannot ask systemd about %s: %s", unit,
                             bus_message(&bus_error, r));
                sd_bus_error_free(&bus_error);
                return r;
        }
        *ret = g_strdup(path);
        return 0;
}

void ovh_unit_state_clear(OvhUnitState *s) {
        g_clear_pointer(&s->load_state, g_free);
        g_clear_pointer(&s->active_state, g_free);
        g_clear_pointer(&s->sub_state, g_free);
        g_clear_pointer(&s->unit_file_state, g_free);
        s->main_pid = 0;
}

static int unit_string(sd_bus *bus, const char *unit, const char *path, const char *name, char **ret, GError **error) {
        sd_bus_error bus_error = SD_BUS_ERROR_NULL;
        char *value = NULL;
        int r;

        r = sd_bus_get_property_string(bus, MANAGER_DEST, path, UNIT_IFACE, name, &bus_error, &value);
        if (r < 0) {
                r = ovh_fail(error, EX_UNAVAILABLE, -r, "cannot read %s of %s: %s", name, unit,
                             bus_message(&bus_error, r));
                sd_bus_error_free(&bus_error);
                return r;
        }
        *ret = g_strdup(value);
        free(value);
        return 0;
}

int ovh_systemd_unit_state(sd_bus *bus, const char *unit, OvhUnitState *ret, GError **error) {
        g_auto(OvhUnitState) state = {};
        g_autofree char *path = NULL;
        int r;

        r = unit_object(bus, unit, &path, error);
        if (r < 0)
                return r;
        r = unit_string(bus, unit, path, "LoadState", &state.load_state, error);
        if (r >= 0)
                r = unit_string(bus, unit, path, "ActiveState", &state.active_state, error);
        if (r >= 0)
                r = unit_string(bus, unit, path, "SubState", &state.sub_state, error);
        if (r >= 0)
                r = unit_string(bus, unit, path, "UnitFileState", &state.unit_file_state, error);
        if (r < 0)
                return r;
        if (g_str_has_suffix(unit, ".service")) {
                sd_bus_error bus_error = SD_BUS_ERROR_NULL;
                r = sd_bus_get_property_trivial(bus, MANAGER_DEST, path, SERVICE_IFACE, "MainPID", &bus_error, 'u',
                                                &state.main_pid);
                if (r < 0) {
                        r = ovh_fail(error, EX_UNAVAILABLE, -r, "cannot read MainPID of %s: %s", unit,
                                     bus_message(&bus_error, r));
                        sd_bus_error_free(&bus_error);
                        return r;
                }
        }
        *ret = state;
        state = (OvhUnitState){};
        return 0;
}

/* A property of the unit's type-specific interface, as a message to read. */
static int unit_property(sd_bus *bus, const char *unit, const char *interface, const char *name, const char *type,
                         sd_bus_message **ret, GError **error) {
        g_autofree char *path = NULL;
        sd_bus_error bus_error = SD_BUS_ERROR_NULL;
        int r;

        r = unit_object(bus, unit, &path, error);
        if (r < 0)
                return r;
        r = sd_bus_get_property(bus, MANAGER_DEST, path, interface, name, &bus_error, ret, type);
        if (r < 0) {
                r = ovh_fail(error, EX_UNAVAILABLE, -r, "cannot read %s of %s: %s", name, unit,
                             bus_message(&bus_error, r));
                sd_bus_error_free(&bus_error);
        }
        return r;
}

static int parse_failed(const char *unit, const char *name, int r, GError **error) {
        return ovh_fail(error, EX_PROTOCOL, -r, "systemd's answer for %s of %s cannot be read: %s", name, unit,
                        g_strerror(-r));
}

int ovh_systemd_socket_listen(sd_bus *bus, const char *unit, char ***ret, GError **error) {
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
        const char *type, *address;
        int r;

        r = unit_property(bus, unit, SOCKET_IFACE, "Listen", "a(ss)", &reply, error);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(ss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ss)", &type, &address)) > 0)
                g_ptr_array_add(lines, g_strdup_printf("%s (%s)", address, type));
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return parse_failed(unit, "Listen", r, error);
        g_ptr_array_add(lines, NULL);
        *ret = (char **) g_ptr_array_steal(lines, NULL);
        return 0;
}

void ovh_unit_credential_clear(OvhUnitCredential *c) {
        g_clear_pointer(&c->load, g_free);
        g_clear_pointer(&c->load_encrypted, g_free);
        c->set = c->set_encrypted = false;
}

/* LoadCredential*= (a(ss): name, path): the path given for `name`. */
static int load_credential(sd_bus *bus, const char *unit, const char *property, const char *name, char **ret,
                           GError **error) {
        g_autoptr(sd_bus_message) reply = NULL;
        const char *id, *path;
        int r;

        r = unit_property(bus, unit, SERVICE_IFACE, property, "a(ss)", &reply, error);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(ss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ss)", &id, &path)) > 0)
                if (g_str_equal(id, name)) {
                        g_free(*ret);
                        *ret = g_strdup(path);
                }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        return r < 0 ? parse_failed(unit, property, r, error) : 0;
}

/* SetCredential*= (a(say): name, value): whether `name` has one. The value
 * is skipped, never copied. */
static int set_credential(sd_bus *bus, const char *unit, const char *property, const char *name, bool *ret,
                          GError **error) {
        g_autoptr(sd_bus_message) reply = NULL;
        const char *id;
        int r;

        r = unit_property(bus, unit, SERVICE_IFACE, property, "a(say)", &reply, error);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(say)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_STRUCT, "say")) > 0) {
                r = sd_bus_message_read(reply, "s", &id);
                if (r >= 0)
                        r = sd_bus_message_skip(reply, "ay");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0 && g_str_equal(id, name))
                        *ret = true;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        return r < 0 ? parse_failed(unit, property, r, error) : 0;
}

int ovh_systemd_service_credential(sd_bus *bus, const char *unit, const char *name, OvhUnitCredential *ret,
                                   GError **error) {
        g_auto(OvhUnitCredential) c = {};
        int r;

        r = load_credential(bus, unit, "LoadCredential", name, &c.load, error);
        if (r >= 0)
                r = load_credential(bus, unit, "LoadCredentialEncrypted", name, &c.load_encrypted, error);
        if (r >= 0)
                r = set_credential(bus, unit, "SetCredential", name, &c.set, error);
        if (r >= 0)
                r = set_credential(bus, unit, "SetCredentialEncrypted", name, &c.set_encrypted, error);
        if (r < 0)
                return r;
        *ret = c;
        c = (OvhUnitCredential){};
        return 0;
}

/* The jobs systemd removed while we waited, by object path: their result. */
static int on_job_removed(sd_bus_message *message, void *userdata, sd_bus_error *ret_error) {
        GHashTable *removed = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        (void) ret_error;
        if (sd_bus_message_read(message, "uoss", &id, &path, &unit, &result) >= 0)
                g_hash_table_replace(removed, g_strdup(path), g_strdup(result));
        return 0;
}

/* Queues a job for UNIT with Manager.METHOD(UNIT, "replace") and waits
 * until systemd removes it, as systemctl does: the JobRemoved signal is
 * subscribed to before the call, so a job that finishes at once is not
 * missed. */
static int run_job(sd_bus *bus, const char *method, const char *verb, const char *unit, GError **error) {
        g_autoptr(GHashTable) removed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_autoptr(sd_bus_message) reply = NULL;
        sd_bus_error bus_error = SD_BUS_ERROR_NULL;
        sd_bus_slot *slot = NULL;
        const char *job;
        int r;

        /* On systemd's private socket there is no bus daemon and no sender
         * name; on the bus, only the manager's signals count. */
        r = sd_bus_match_signal(bus, &slot, sd_bus_is_bus_client(bus) > 0 ? MANAGER_DEST : NULL, MANAGER_PATH,
                                MANAGER_IFACE, "JobRemoved", on_job_removed, removed);
        if (r < 0)
                return ovh_fail(error, EX_OSERR, -r, "systemctl %s %s failed: cannot watch systemd's jobs: %s", verb,
                                unit, g_strerror(-r));
        r = sd_bus_call_method(bus, MANAGER_DEST, MANAGER_PATH, MANAGER_IFACE, method, &bus_error, &reply, "ss", unit,
                               "replace");
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &job);
        if (r < 0) {
                r = ovh_fail(error, EX_OSERR, -r, "systemctl %s %s failed: %s; see journalctl -xe", verb, unit,
                             bus_message(&bus_error, r));
                goto out;
        }
        while (!g_hash_table_contains(removed, job)) {
                r = sd_bus_process(bus, NULL);
                if (r > 0)
                        continue;
                if (r >= 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0) {
                        r = ovh_fail(error, EX_OSERR, -r,
                                     "systemctl %s %s failed: lost systemd while waiting for the job: %s", verb, unit,
                                     g_strerror(-r));
                        goto out;
                }
        }
        const char *result = g_hash_table_lookup(removed, job);
        if (g_str_equal(result, "done") || g_str_equal(result, "skipped"))
                r = 0;
        else
                r = ovh_fail(error, EX_OSERR, EIO,
                             "systemctl %s %s failed: the job ended with result '%s'; see "
                             "journalctl -xe",
                             verb, unit, result);
out:
        sd_bus_error_free(&bus_error);
        sd_bus_slot_unref(slot);
        return r;
}

int ovh_systemd_try_restart(sd_bus *bus, const char *unit, GError **error) {
        return run_job(bus, "TryRestartUnit", "try-restart", unit, error);
}

int ovh_systemd_stop(sd_bus *bus, const char *unit, GError **error) {
        return run_job(bus, "StopUnit", "stop", unit, error);
}

static void bus_message_cleanup(sd_bus_message **m) {
        sd_bus_message_unref(*m);
}

int ovh_systemd_running_units(sd_bus *bus, const char *pattern, char ***ret, GError **error) {
        __attribute__((cleanup(bus_message_cleanup))) sd_bus_message *call = NULL, *reply = NULL;
        sd_bus_error bus_error = SD_BUS_ERROR_NULL;
        g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func(g_free);
        const char *name;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, MANAGER_DEST, MANAGER_PATH, MANAGER_IFACE,
                                           "ListUnitsByPatterns");
        if (r >= 0)
                r = sd_bus_message_append_strv(
                        call, (char *[]){ (char *) "active", (char *) "activating", (char *) "reloading", NULL });
        if (r >= 0)
                r = sd_bus_message_append_strv(call, (char *[]){ (char *) pattern, NULL });
        if (r >= 0)
                r = sd_bus_call(bus, call, 0, &bus_error, &reply);
        if (r < 0) {
                int e = -r;
                g_autofree char *why = g_strdup(bus_error.message ? bus_error.message : g_strerror(e));
                sd_bus_error_free(&bus_error);
                return ovh_fail(error, EX_UNAVAILABLE, e, "cannot list the units %s: %s", pattern, why);
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, NULL, NULL, NULL, NULL,
                                                  NULL, NULL, NULL)) > 0)
                g_ptr_array_add(units, g_strdup(name));
        if (r < 0)
                return ovh_fail(error, EX_PROTOCOL, -r, "systemd's list of units %s cannot be read: %s", pattern,
                                g_strerror(-r));
        g_ptr_array_add(units, NULL);
        *ret = (char **) g_ptr_array_free(g_steal_pointer(&units), FALSE);
        return 0;
}

/* The service's sandbox as the transient unit copies it. Not copied, on
 * purpose: User=, Group=, NoNewPrivileges=, CapabilityBoundingSet= and
 * AmbientCapabilities= (set for the account, see systemd.h), ExecStart= and
 * the service's type, restart and stop settings (the command's own),
 * LoadCredential*= and SetCredential*= (the CLI needs no token),
 * RuntimeDirectory= (a second unit with it would remove the service's
 * directory when it stops). tests/unit/test-units.sh holds every setting of
 * the shipped units to this list or to that one. */
const char *const ovh_systemd_sandbox_properties[] = {
        /* The file system. */
        "ProtectSystem",
        "ProtectHome",
        "ReadWritePaths",
        "ReadOnlyPaths",
        "InaccessiblePaths",
        "ExecPaths",
        "NoExecPaths",
        "BindPaths",
        "BindReadOnlyPaths",
        "TemporaryFileSystem",
        "PrivateTmp",
        "PrivateDevices",
        "PrivateMounts",
        "ProtectProc",
        "ProcSubset",
        /* The kernel, namespaces and IPC. */
        "ProtectKernelTunables",
        "ProtectKernelModules",
        "ProtectKernelLogs",
        "ProtectControlGroups",
        "ProtectClock",
        "ProtectHostname",
        "PrivateNetwork",
        "PrivateUsers",
        "PrivateIPC",
        "RemoveIPC",
        "RestrictNamespaces",
        "RestrictRealtime",
        "RestrictSUIDSGID",
        "LockPersonality",
        "MemoryDenyWriteExecute",
        /* System calls and the network. */
        "RestrictAddressFamilies",
        "SystemCallArchitectures",
        "SystemCallFilter",
        "SystemCallErrorNumber",
        "IPAddressAllow",
        "IPAddressDeny",
        /* The launcher's configuration comes from the environment file as
         * in the service, and the process's umask. */
        "Environment",
        "EnvironmentFiles",
        "UMask",
        /* Resources. */
        "MemoryHigh",
        "MemoryMax",
        "TasksMax",
        NULL,
};

static bool sandbox_property(const char *name) {
        for (const char *const *p = ovh_systemd_sandbox_properties; *p; p++)
                if (g_str_equal(*p, name))
                        return true;
        return false;
}

void ovh_sandboxed_result_clear(OvhSandboxedResult *r) {
        g_clear_pointer(&r->unit, g_free);
        if (r->out)
                g_string_free(g_steal_pointer(&r->out), TRUE);
        if (r->err)
                g_string_free(g_steal_pointer(&r->err), TRUE);
        r->status = 0;
}

/* Copies the variant `reply` is at as property `name` of `m`. An empty
 * list is left out: the transient unit starts with none, and for systemd
 * an empty assignment is a reset that may clear more than this list
 * (BindReadOnlyPaths= empty drops the BindPaths= too: they share one
 * list). */
static int copy_property(sd_bus_message *m, const char *name, sd_bus_message *reply) {
        const char *contents;
        bool list;
        int r;

        r = sd_bus_message_peek_type(reply, NULL, &contents);
        if (r < 0)
                return r;
        g_autofree char *signature = g_strdup(contents);
        list = signature[0] == SD_BUS_TYPE_ARRAY;
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_VARIANT, signature);
        if (r >= 0 && list)
                r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, signature + 1);
        if (r < 0)
                return r;
        if (!list || sd_bus_message_at_end(reply, false) == 0) {
                r = sd_bus_message_open_container(m, SD_BUS_TYPE_STRUCT, "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", name);
                if (r >= 0)
                        r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, signature);
                if (r >= 0 && list)
                        r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, signature + 1);
                if (r >= 0)
                        r = sd_bus_message_copy(m, reply, true);
                for (int i = 0; r >= 0 && i < (list ? 3 : 2); i++)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0 && list)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        return r;
}

/* Copies the sandbox properties of `service` (one GetAll of its Service
 * interface: systemd's merged view) into the a(sv) being built in `m`. */
static int append_service_sandbox(sd_bus *bus, const char *service, sd_bus_message *m, GError **error) {
        g_autoptr(sd_bus_message) reply = NULL;
        g_autofree char *path = NULL, *load_state = NULL;
        sd_bus_error bus_error = SD_BUS_ERROR_NULL;
        const char *name;
        int r;

        r = unit_object(bus, service, &path, error);
        if (r < 0)
                return r;
        /* A unit that is not there (or masked) has systemd's defaults, no
         * sandbox at all: nothing to copy, nothing to run in. */
        r = unit_string(bus, service, path, "LoadState", &load_state, error);
        if (r < 0)
                return r;
        if (!g_str_equal(load_state, "loaded"))
                return ovh_fail(error, EX_UNAVAILABLE, ENOENT,
                                "%s is not loaded (LoadState=%s), so there is no sandbox to run VS Code's CLI in; "
                                "install the openvscode-host package (or unmask the unit)",
                                service, load_state);
        r = sd_bus_call_method(bus, MANAGER_DEST, path, "org.freedesktop.DBus.Properties", "GetAll", &bus_error, &reply,
                               "s", SERVICE_IFACE);
        if (r < 0) {
                r = ovh_fail(error, EX_UNAVAILABLE, -r, "cannot read the sandbox of %s: %s", service,
                             bus_message(&bus_error, r));
                sd_bus_error_free(&bus_error);
                return r;
        }
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                r = sd_bus_message_read(reply, "s", &name);
                if (r >= 0 && sandbox_property(name))
                        r = copy_property(m, name, reply);
                else if (r >= 0)
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        return r < 0 ? parse_failed(service, "the sandbox", r, error) : 0;
}

/* Our own settings of the transient unit, after the copied ones (a later
 * assignment wins, lists grow). */
static int append_command(sd_bus_message *m, const OvhSandboxedCommand *c, int out_fd, int err_fd) {
        int r;

        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)", "Description", "s",
                                  c->description, "User", "s", c->user, "Group", "s", c->group, "NoNewPrivileges", "b",
                                  1, "CapabilityBoundingSet", "t", (uint64_t) 0, "AmbientCapabilities", "t",
                                  (uint64_t) 0, "Type", "s", "oneshot", "RemainAfterExit", "b", 1, "TimeoutStartUSec",
                                  "t", (uint64_t) c->timeout_sec * G_USEC_PER_SEC, "TimeoutStopUSec", "t",
                                  (uint64_t) 10 * G_USEC_PER_SEC, "StandardOutputFileDescriptor", "h", out_fd,
                                  "StandardErrorFileDescriptor", "h", err_fd);
        if (r >= 0 && c->bind_paths && c->bind_paths[0]) {
                r = sd_bus_message_append(m, "(sv)", "ProtectHome", "s", "tmpfs");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, SD_BUS_TYPE_STRUCT, "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "BindPaths");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, "a(ssbt)");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "(ssbt)");
                for (char *const *b = c->bind_paths; r >= 0 && *b; b++)
                        r = sd_bus_message_append(m, "(ssbt)", *b, *b, 0, (uint64_t) MS_REC);
                for (int i = 0; r >= 0 && i < 3; i++)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0 && c->read_write_paths && c->read_write_paths[0]) {
                r = sd_bus_message_open_container(m, SD_BUS_TYPE_STRUCT, "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "ReadWritePaths");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, "as");
                if (r >= 0)
                        r = sd_bus_message_append_strv(m, (char **) c->read_write_paths);
                for (int i = 0; r >= 0 && i < 2; i++)
                        r = sd_bus_message_close_container(m);
        }
        /* ExecStart=: a(sasb), the path, argv, and whether a failure is ignored. */
        if (r >= 0)
                r = sd_bus_message_open_container(m, SD_BUS_TYPE_STRUCT, "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "ExecStart");
        if (r >= 0)
                r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, "a(sasb)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "(sasb)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, SD_BUS_TYPE_STRUCT, "sasb");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", c->argv[0]);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) c->argv);
        if (r >= 0)
                r = sd_bus_message_append(m, "b", 0);
        for (int i = 0; r >= 0 && i < 4; i++)
                r = sd_bus_message_close_container(m);
        return r;
}

/* Reads what is there without blocking; closes the fd at its end. A
 * runaway writer is cut at 16 MiB. */
static void drain(int *fd, GString *into) {
        char buf[65536];

        while (*fd >= 0) {
                ssize_t n = read(*fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) {
                        ovh_closep(fd);
                        return;
                }
                if (into->len < 16 * 1024 * 1024)
                        g_string_append_len(into, buf, n);
        }
}

static int pipe_for(int *ret_read, int *ret_write, GError **error) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return ovh_fail(error, EX_OSERR, errno, "cannot create a pipe: %s", g_strerror(errno));
        (void) fcntl(fds[0], F_SETFL, O_NONBLOCK);
        *ret_read = fds[0];
        *ret_write = fds[1];
        return 0;
}

static int unit_int(sd_bus *bus, const char *path, const char *name, int32_t *ret) {
        return sd_bus_get_property_trivial(bus, MANAGER_DEST, path, SERVICE_IFACE, name, NULL, 'i', ret);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_slot, sd_bus_slot_unref)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sd_bus_error, sd_bus_error_free)

/* What became of the command: its exit status (-1 when it never ran), the
 * unit's Result and ActiveState. */
static int collect_status(sd_bus *bus, const char *unit, int *ret_status, char **ret_result, char **ret_active,
                          GError **error) {
        g_autofree char *path = NULL;
        char *result = NULL, *active = NULL;
        int32_t code = 0, status = 0;
        int r;

        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
        if (r >= 0)
                r = unit_int(bus, path, "ExecMainCode", &code);
        if (r >= 0)
                r = unit_int(bus, path, "ExecMainStatus", &status);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, MANAGER_DEST, path, SERVICE_IFACE, "Result", NULL, &result);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, MANAGER_DEST, path, UNIT_IFACE, "ActiveState", NULL, &active);
        if (r >= 0) {
                *ret_status = code == CLD_EXITED                         ? status
                              : code == CLD_KILLED || code == CLD_DUMPED ? 128 + status
                                                                         : -1;
                *ret_result = g_strdup(result);
                *ret_active = g_strdup(active);
        }
        free(result);
        free(active);
        return r < 0 ? ovh_fail(error, EX_UNAVAILABLE, -r, "cannot read what became of %s: %s", unit, g_strerror(-r))
                     : 0;
}

/* The unit goes: stopped unless it failed (which also ends anything the
 * command left running), then reset; systemd then forgets it and closes
 * its copies of our pipes. */
static void release_unit(sd_bus *bus, const char *unit, const char *active_state) {
        if (!active_state || !g_str_equal(active_state, "failed"))
                (void) run_job(bus, "StopUnit", "stop", unit, NULL);
        (void) sd_bus_call_method(bus, MANAGER_DEST, MANAGER_PATH, MANAGER_IFACE, "ResetFailedUnit", NULL, NULL, "s",
                                  unit);
}

/* SIGINT, SIGTERM and SIGHUP while the unit runs: blocked and read from a
 * signalfd, so that they stop the unit instead of leaving it behind. */
typedef struct {
        sigset_t old_mask;
        int fd;
        bool blocked;
} Interruptions;

static void interruptions_clear(Interruptions *i) {
        ovh_closep(&i->fd);
        if (i->blocked)
                sigprocmask(SIG_SETMASK, &i->old_mask, NULL);
        i->blocked = false;
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Interruptions, interruptions_clear)

static void interruptions_block(Interruptions *i) {
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        i->blocked = sigprocmask(SIG_BLOCK, &mask, &i->old_mask) == 0;
        i->fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* StartTransientUnit's request: the name, mode "fail", the copied sandbox,
 * our settings, no auxiliary units. */
static int build_request(sd_bus *bus, const OvhSandboxedCommand *c, const char *unit, int out_fd, int err_fd,
                         sd_bus_message **ret, GError **error) {
        g_autoptr(sd_bus_message) m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, MANAGER_DEST, MANAGER_PATH, MANAGER_IFACE, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", unit, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "(sv)");
        if (r >= 0) {
                r = append_service_sandbox(bus, c->service, m, error);
                if (r < 0)
                        return r;
                r = append_command(m, c, out_fd, err_fd);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                return ovh_fail(error, EX_OSERR, -r, "cannot build the request for %s: %s", unit, g_strerror(-r));
        *ret = g_steal_pointer(&m);
        return 0;
}

typedef enum { WAIT_DONE, WAIT_TIMED_OUT, WAIT_INTERRUPTED } WaitEnd;

/* Until systemd removes the start job (for Type=oneshot: the command has
 * ended), reading the output as it comes so the pipes never fill. */
static int wait_for_job(sd_bus *bus, GHashTable *removed, const char *job, int *out_read, int *err_read,
                        OvhSandboxedResult *result, const Interruptions *interruptions, int timeout_sec,
                        WaitEnd *ret_end, int *ret_signal, GError **error) {
        /* systemd's TimeoutStartSec= is the limit; this one is for a
         * manager that does not keep it. */
        gint64 deadline = g_get_monotonic_time() + (gint64) (timeout_sec + 30) * G_USEC_PER_SEC;
        int r;

        *ret_end = WAIT_DONE;
        while (!g_hash_table_contains(removed, job)) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return ovh_fail(error, EX_OSERR, -r, "lost systemd while %s ran: %s", result->unit,
                                        g_strerror(-r));
                if (r > 0)
                        continue;
                gint64 now = g_get_monotonic_time(), wait_us = deadline - now;
                uint64_t bus_timeout = UINT64_MAX;
                if (wait_us <= 0) {
                        *ret_end = WAIT_TIMED_OUT;
                        return 0;
                }
                if (sd_bus_get_timeout(bus, &bus_timeout) >= 0 && bus_timeout != UINT64_MAX)
                        wait_us = MIN(wait_us, (gint64) bus_timeout - now);
                struct pollfd p[4] = {
                        { .fd = sd_bus_get_fd(bus), .events = (short) sd_bus_get_events(bus) },
                        { .fd = *out_read, .events = POLLIN },
                        { .fd = *err_read, .events = POLLIN },
                        { .fd = interruptions->fd, .events = POLLIN },
                };
                if (poll(p, G_N_ELEMENTS(p), (int) CLAMP(wait_us / 1000 + 1, 0, 60000)) < 0 && errno != EINTR)
                        return ovh_fail(error, EX_OSERR, errno, "cannot wait for %s: %s", result->unit,
                                        g_strerror(errno));
                if (p[1].revents)
                        drain(out_read, result->out);
                if (p[2].revents)
                        drain(err_read, result->err);
                struct signalfd_siginfo info;
                if (p[3].revents && read(interruptions->fd, &info, sizeof(info)) == (ssize_t) sizeof(info)) {
                        *ret_end = WAIT_INTERRUPTED;
                        *ret_signal = (int) info.ssi_signo;
                        return 0;
                }
        }
        return 0;
}

int ovh_systemd_run_sandboxed(sd_bus *bus, const OvhSandboxedCommand *c, OvhSandboxedResult *ret, GError **error) {
        g_autoptr(GHashTable) removed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_autoptr(sd_bus_message) request = NULL, reply = NULL;
        g_autoptr(sd_bus_slot) slot = NULL;
        g_auto(sd_bus_error) bus_error = SD_BUS_ERROR_NULL;
        g_auto(OvhSandboxedResult) result = { .out = g_string_new(NULL), .err = g_string_new(NULL) };
        g_auto(Interruptions) interruptions = { .fd = -1 };
        _cleanup_close_ int out_read = -1, out_write = -1, err_read = -1, err_write = -1;
        g_autofree char *job = NULL, *unit_result = NULL, *active_state = NULL;
        const char *job_path;
        WaitEnd end;
        int r, signal_number = 0;

        result.unit = g_strdup_printf("%s-%08x%08x.service", c->name_prefix, g_random_int(), g_random_int());
        r = pipe_for(&out_read, &out_write, error);
        if (r >= 0)
                r = pipe_for(&err_read, &err_write, error);
        if (r >= 0)
                r = build_request(bus, c, result.unit, out_write, err_write, &request, error);
        if (r < 0)
                return r;
        /* systemd holds its own copies once the request carries them. */
        ovh_closep(&out_write);
        ovh_closep(&err_write);

        /* Subscribed to before the call, so a job that ends at once is seen. */
        r = sd_bus_match_signal(bus, &slot, sd_bus_is_bus_client(bus) > 0 ? MANAGER_DEST : NULL, MANAGER_PATH,
                                MANAGER_IFACE, "JobRemoved", on_job_removed, removed);
        if (r < 0)
                return ovh_fail(error, EX_OSERR, -r, "cannot watch systemd's jobs: %s", g_strerror(-r));
        interruptions_block(&interruptions);
        r = sd_bus_call(bus, request, 0, &bus_error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &job_path);
        if (r < 0)
                return ovh_fail(error, EX_OSERR, -r, "systemd cannot start %s with the sandbox of %s: %s", result.unit,
                                c->service, bus_message(&bus_error, r));
        job = g_strdup(job_path);

        r = wait_for_job(bus, removed, job, &out_read, &err_read, &result, &interruptions, c->timeout_sec, &end,
                         &signal_number, error);
        if (r < 0 || end != WAIT_DONE) {
                release_unit(bus, result.unit, NULL);
                if (r < 0)
                        return r;
                if (end == WAIT_INTERRUPTED)
                        return ovh_fail(error, EX_TEMPFAIL, EINTR, "interrupted by %s: %s was stopped",
                                        signal_number == SIGINT    ? "SIGINT"
                                        : signal_number == SIGTERM ? "SIGTERM"
                                                                   : "SIGHUP",
                                        result.unit);
                return ovh_fail(error, EX_TEMPFAIL, ETIMEDOUT, "%s did not finish within %d s and was stopped",
                                result.unit, c->timeout_sec);
        }

        const char *job_result = g_hash_table_lookup(removed, job);
        r = collect_status(bus, result.unit, &result.status, &unit_result, &active_state, error);
        release_unit(bus, result.unit, active_state);
        if (r < 0)
                return r;
        if (g_str_equal(job_result, "timeout") || g_str_equal(unit_result, "timeout"))
                return ovh_fail(error, EX_TEMPFAIL, ETIMEDOUT, "%s did not finish within %d s and was stopped",
                                result.unit, c->timeout_sec);
        if (result.status < 0 || (!g_str_equal(job_result, "done") && !g_str_equal(job_result, "failed")))
                return ovh_fail(error, EX_OSERR, EIO,
                                "systemd could not run %s (job %s, result %s); see journalctl -u %s", result.unit,
                                job_result, unit_result, result.unit);

        /* The rest of the output: systemd closes its ends of the pipes as
         * it forgets the unit. */
        for (gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
             (out_read >= 0 || err_read >= 0) && g_get_monotonic_time() < until;) {
                struct pollfd p[2] = { { .fd = out_read, .events = POLLIN }, { .fd = err_read, .events = POLLIN } };
                (void) poll(p, G_N_ELEMENTS(p), 100);
                drain(&out_read, result.out);
                drain(&err_read, result.err);
        }
        *ret = result;
        result = (OvhSandboxedResult){};
        return 0;
}
