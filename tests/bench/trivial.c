/* The "server" of the exec-overhead benchmark: exits 0 at once.
 *
 * Built static (tests/bench/run) so that what the benchmark times is the
 * launcher's own work plus one execve, not the dynamic loader of whatever
 * program stands in for node. */
int main(void) {
        return 0;
}
