/* SPDX-License-Identifier: MIT */
#include "systemd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

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
