// SPDX-License-Identifier: MIT
/*
 * reserve-port: print a TCP port on 127.0.0.1 that stays free for a gateway to bind for about a minute.
 *
 * Picking a random port and checking that nothing listens on it races with every outgoing connection on
 * the machine: the kernel may hand the same port to a connect() between the check and the gateway's bind.
 * Instead the kernel chooses the port (bind to port 0), and the port is left in TIME_WAIT by a connection
 * that the listening side closes first. While that TIME_WAIT socket lives, the kernel neither gives the
 * port to another bind(0) nor to a connect() (both skip ports with a bound owner), but a server that sets
 * SO_REUSEADDR, as the gateway does, can bind it. Used by scripts/gateways.sh (tests and the demo).
 * Test tooling only: it talks to nothing but itself on the loopback address.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
fail(const char *what)
{
    perror(what);
    return 2;
}

int
main(void)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    int one = 1;
    int lfd = -1;
    int cfd = -1;
    int afd = -1;
    int rc = 2;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;

    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0) {
        return fail("socket");
    }
    /* inherited by the accepted socket, so that its TIME_WAIT does not block a SO_REUSEADDR bind */
    if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
        rc = fail("setsockopt");
        goto out;
    }
    if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(lfd, 1) != 0) {
        rc = fail("bind/listen");
        goto out;
    }
    if (getsockname(lfd, (struct sockaddr *)&addr, &len) != 0) {
        rc = fail("getsockname");
        goto out;
    }
    cfd = socket(AF_INET, SOCK_STREAM, 0);
    if (cfd < 0 || connect(cfd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        rc = fail("connect");
        goto out;
    }
    afd = accept(lfd, NULL, NULL);
    if (afd < 0) {
        rc = fail("accept");
        goto out;
    }
    /* the side that closes first keeps TIME_WAIT: the accepted socket, whose local port is ours */
    close(afd);
    afd = -1;
    printf("%u\n", (unsigned)ntohs(addr.sin_port));
    rc = fflush(stdout) == 0 ? 0 : 2;
out:
    if (afd >= 0) {
        close(afd);
    }
    if (cfd >= 0) {
        close(cfd);
    }
    if (lfd >= 0) {
        close(lfd);
    }
    return rc;
}
