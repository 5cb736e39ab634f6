// SPDX-License-Identifier: MIT
/* Fuzz target: gw_config_load on arbitrary bytes (written to a private temporary file, since the parser
 * reads a path). Must end with GW_OK or a clean GW_ECONFIG/GW_EIO, never a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gw/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/gw-fuzz-config.XXXXXX";
    int fd = mkstemp(path);
    struct gw_config *cfg = malloc(sizeof(*cfg));
    struct gw_err err;

    if (fd < 0 || cfg == NULL) {
        abort();
    }
    if (write(fd, data, size) != (ssize_t)size) {
        abort();
    }
    close(fd);
    gw_err_clear(&err);
    if (gw_config_load(path, cfg, &err) != GW_OK && err.rc == GW_OK) {
        abort(); /* a failure must say why */
    }
    unlink(path);
    free(cfg);
    return 0;
}
