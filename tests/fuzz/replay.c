// SPDX-License-Identifier: MIT
/*
 * Runs a fuzz target over every file of corpus directories without libFuzzer (the SQLite fuzzcheck idea),
 * so `make test` replays the corpora on the normal and sanitizer builds. Prints one PASS line per
 * directory; a crash or sanitizer report fails the suite.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
    int failures = 0;

    for (int i = 1; i < argc; i++) {
        DIR *dir = opendir(argv[i]);
        struct dirent *e;
        unsigned n = 0;

        if (dir == NULL) {
            printf("FAIL fuzz/%s: cannot open directory\n", argv[i]);
            failures++;
            continue;
        }
        while ((e = readdir(dir)) != NULL) {
            char path[4096];
            struct gw_buf b;
            struct gw_err err;
            if (e->d_name[0] == '.') {
                continue;
            }
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            gw_buf_init(&b, 16u * 1024u * 1024u);
            gw_err_clear(&err);
            if (gw_buf_read_file(&b, path, &err) != GW_OK) {
                printf("FAIL fuzz/%s: %s\n", path, err.msg);
                failures++;
            } else {
                LLVMFuzzerTestOneInput(b.data != NULL ? b.data : (const unsigned char *)"", b.len);
                n++;
            }
            gw_buf_cleanup(&b);
        }
        closedir(dir);
        printf("PASS fuzz/replay %s (%u inputs)\n", argv[i], n);
    }
    return failures == 0 ? 0 : 1;
}
