/* SPDX-License-Identifier: MIT */
#include "server-fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ovh-error.h"
#include "paths.h"

typedef struct {
        GByteArray *text; /* ctl_fetch_text */
        gsize max;
        int fd; /* ctl_fetch_file */
        GChecksum *sha256;
        int write_errno; /* why writing stopped */
        bool too_big;
} Sink;

static size_t on_data(char *data, size_t size, size_t n, void *userdata) {
        Sink *s = userdata;
        size_t length = size * n;

        if (s->text) {
                if (s->text->len + length > s->max) {
                        s->too_big = true;
                        return 0;
                }
                g_byte_array_append(s->text, (const guint8 *) data, (guint) length);
                return length;
        }
        for (size_t done = 0; done < length;) {
                ssize_t w = write(s->fd, data + done, length - done);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0) {
                        s->write_errno = w < 0 ? errno : EIO;
                        return 0;
                }
                done += (size_t) w;
        }
        g_checksum_update(s->sha256, (const guchar *) data, (gssize) length);
        return length;
}

static void curl_cleanup(CURL **c) {
        if (*c)
                curl_easy_cleanup(*c);
}

static void slist_cleanup(struct curl_slist **l) {
        curl_slist_free_all(*l);
}

static int fetch(const char *url, Sink *sink, GError **error) {
        __attribute__((cleanup(curl_cleanup))) CURL *c = NULL;
        __attribute__((cleanup(slist_cleanup))) struct curl_slist *headers = NULL;
        char curl_error[CURL_ERROR_SIZE] = "";
        static gsize initialized = 0;

        if (!ovh_feed_url_valid(url))
                return ovh_fail(error, EX_USAGE, EINVAL,
                                "%s is not an https:// URL (plain http:// only to 127.0.0.1, [::1] or localhost); "
                                "give an https:// URL",
                                url);
        if (g_once_init_enter(&initialized)) {
                curl_global_init(CURL_GLOBAL_DEFAULT);
                g_once_init_leave(&initialized, 1);
        }
        c = curl_easy_init();
        if (!c)
                return ovh_fail(error, EX_SOFTWARE, ENOMEM, "cannot start a download (libcurl)");
        bool plain = g_str_has_prefix(url, "http://");
        headers = curl_slist_append(headers, "Accept: application/vnd.github+json, application/octet-stream");
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "openvscodectl/" OVH_VERSION);
        /* A loopback http:// feed may only lead to loopback http:// or https. */
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, plain ? "http,https" : "https");
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
        /* Slower than 1 kB/s for a minute: the link is gone. */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);

        CURLcode rc = curl_easy_perform(c);
        if (rc == CURLE_OK)
                return 0;
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (sink->write_errno == ENOSPC || sink->write_errno == EDQUOT)
                return ovh_fail(error, EX_IOERR, sink->write_errno,
                                "downloading %s: the disk is full (%s); free space under " OVH_SERVERS_DIR
                                " and try again",
                                url, g_strerror(sink->write_errno));
        if (sink->write_errno)
                return ovh_fail(error, EX_IOERR, sink->write_errno, "downloading %s: cannot write it: %s", url,
                                g_strerror(sink->write_errno));
        if (sink->too_big)
                return ovh_fail(error, EX_DATAERR, EFBIG, "%s: the answer is larger than %zu bytes; is it a feed?", url,
                                sink->max);
        if (rc == CURLE_HTTP_RETURNED_ERROR && status == 404)
                return ovh_fail(error, EX_NOINPUT, ENOENT,
                                "%s: not found (HTTP 404); check the version (openvscodectl server update --check "
                                "names the newest) and [Update] Feed=",
                                url);
        if (rc == CURLE_HTTP_RETURNED_ERROR)
                return ovh_fail(error, EX_UNAVAILABLE, EIO, "%s: the server answered HTTP %ld; try again later", url,
                                status);
        return ovh_fail(error, EX_UNAVAILABLE, EHOSTUNREACH,
                        "%s: cannot download it: %s; check the network, or point [Update] Feed= at a mirror", url,
                        curl_error[0] ? curl_error : curl_easy_strerror(rc));
}

int ctl_fetch_text(const char *url, gsize max, GBytes **ret, GError **error) {
        Sink sink = { .text = g_byte_array_new(), .max = max, .fd = -1 };
        int r = fetch(url, &sink, error);
        if (r < 0) {
                g_byte_array_unref(sink.text);
                return r;
        }
        *ret = g_byte_array_free_to_bytes(sink.text);
        return 0;
}

int ctl_fetch_file(const char *url, int fd, char **ret_sha256, GError **error) {
        Sink sink = { .fd = fd, .sha256 = g_checksum_new(G_CHECKSUM_SHA256) };
        int r = fetch(url, &sink, error);
        if (r >= 0)
                *ret_sha256 = g_strdup(g_checksum_get_string(sink.sha256));
        g_checksum_free(sink.sha256);
        return r;
}
