/* SPDX-License-Identifier: MIT */
/*
 * Runs a fuzz harness over files, without libFuzzer: the seed corpus and
 * every input that once crashed (tests/fuzz/regressions/) replayed by the
 * unit suite with the ordinary compiler, and under ASan+UBSan in the asan
 * suite. TAP: one line per file. Each input runs in a child process, so
 * one crash (its message goes to stderr) fails that line and the others
 * still run.
 *
 *   fuzz-NAME-replay PATH...      (files, or directories of files)
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int compare_paths(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* A directory that does not exist yet (no regression found so far) adds
 * nothing. */
static void collect(const char *path, GPtrArray *files) {
        if (!g_file_test(path, G_FILE_TEST_EXISTS))
                return;
        if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
                g_ptr_array_add(files, g_strdup(path));
                return;
        }
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        for (const char *name; dir && (name = g_dir_read_name(dir));)
                if (name[0] != '.')
                        g_ptr_array_add(names, g_build_filename(path, name, NULL));
        g_ptr_array_sort(names, compare_paths);
        for (guint i = 0; i < names->len; i++)
                g_ptr_array_add(files, g_strdup(names->pdata[i]));
}

int main(int argc, char *argv[]) {
        g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
        int failures = 0;

        for (int i = 1; i < argc; i++)
                collect(argv[i], files);
        if (files->len == 0) {
                printf("1..0 # SKIP no input files\n");
                return 77;
        }
        printf("1..%u\n", files->len);
        for (guint i = 0; i < files->len; i++) {
                const char *path = files->pdata[i];
                g_autofree char *data = NULL;
                gsize length = 0;
                if (!g_file_get_contents(path, &data, &length, NULL)) {
                        printf("not ok %u - %s: cannot be read\n", i + 1, path);
                        failures++;
                        continue;
                }
                fflush(stdout);
                pid_t pid = fork();
                if (pid < 0) {
                        perror("fork");
                        return 1;
                }
                if (pid == 0) {
                        LLVMFuzzerTestOneInput((const uint8_t *) data, length);
                        exit(0); /* exit(), not _exit(): LeakSanitizer checks at exit */
                }
                int status;
                if (waitpid(pid, &status, 0) < 0) {
                        perror("waitpid");
                        return 1;
                }
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                        printf("ok %u - %s (%zu bytes)\n", i + 1, path, (size_t) length);
                } else {
                        failures++;
                        if (WIFSIGNALED(status))
                                printf("not ok %u - %s: killed by signal %d (the reason is on stderr)\n", i + 1, path,
                                       WTERMSIG(status));
                        else
                                printf("not ok %u - %s: exit status %d (the reason is on stderr)\n", i + 1, path,
                                       WEXITSTATUS(status));
                }
        }
        return failures ? 1 : 0;
}
