/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal Vault KV v2 responder for bench/external: canned answers to
 * lookup-self, revoke-self and GET secret/data/<path>, HTTP/1.1 keep-alive,
 * counting requests and connections (GET /_stats). It exists only to
 * measure cloak's own cost apart from the Python double's per-request
 * cost; it is not a test double and checks nothing. Prints "PORT n",
 * exits when stdin closes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 64
#define BUFSZ 65536

struct conn {
	int fd;
	char buf[BUFSZ];
	size_t n;
};

static unsigned long requests, connections;

static void reply(int fd, int status, const char *body)
{
	char head[256];
	size_t bl = body ? strlen(body) : 0;
	int hl = snprintf(head, sizeof(head),
	                  "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	                  status, status == 200 ? "OK" : status == 204 ? "No Content" : "Not Found", bl);

	if (write(fd, head, (size_t)hl) < 0 || (bl && write(fd, body, bl) < 0))
		perror("write");
}

static void handle(int fd, const char *method, const char *path)
{
	char body[4096];

	requests++;
	if (strcmp(path, "/_stats") == 0) {
		requests--;
		snprintf(body, sizeof(body), "{\"requests\":%lu,\"connections\":%lu}", requests,
		         connections);
		reply(fd, 200, body);
	} else if (strcmp(path, "/v1/auth/token/lookup-self") == 0) {
		reply(fd, 200, "{\"request_id\":\"r\",\"lease_id\":\"\",\"renewable\":false,\"lease_duration\":0,"
		               "\"data\":{\"accessor\":\"a\",\"ttl\":0,\"expire_time\":null,\"renewable\":false,"
		               "\"type\":\"service\",\"policies\":[\"root\"]},\"wrap_info\":null,"
		               "\"warnings\":null,\"auth\":null}");
	} else if (strcmp(path, "/v1/auth/token/revoke-self") == 0) {
		reply(fd, 204, NULL);
	} else if (strcmp(method, "GET") == 0 && strncmp(path, "/v1/secret/data/", 16) == 0) {
		snprintf(body, sizeof(body),
		         "{\"request_id\":\"r\",\"lease_id\":\"\",\"renewable\":false,\"lease_duration\":0,"
		         "\"data\":{\"data\":{\"username\":\"user-%s\",\"password\":\"pw-%s\",\"host\":\"db.internal\"},"
		         "\"metadata\":{\"created_time\":\"2024-01-01T00:00:00Z\",\"custom_metadata\":null,"
		         "\"deletion_time\":\"\",\"destroyed\":false,\"version\":1}},\"wrap_info\":null,"
		         "\"warnings\":null,\"auth\":null,\"mount_type\":\"kv\"}",
		         path + 16, path + 16);
		reply(fd, 200, body);
	} else {
		reply(fd, 404, "{\"errors\":[]}");
	}
}

/* Serve every complete request in c->buf; 0 to keep the connection. */
static int serve(struct conn *c)
{
	for (;;) {
		char *end = memmem(c->buf, c->n, "\r\n\r\n", 4), *cl, method[16], path[1024];
		size_t head, len = 0;

		if (end == NULL)
			return c->n == BUFSZ ? -1 : 0;
		head = (size_t)(end - c->buf) + 4;
		c->buf[head - 1] = '\0';
		if ((cl = strcasestr(c->buf, "\r\ncontent-length:")) != NULL)
			len = (size_t)strtoul(cl + 17, NULL, 10);
		if (head + len > c->n)
			return head + len > BUFSZ ? -1 : 0;
		if (sscanf(c->buf, "%15s %1023s", method, path) != 2)
			return -1;
		handle(c->fd, method, path);
		memmove(c->buf, c->buf + head + len, c->n - head - len);
		c->n -= head + len;
	}
}

int main(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	struct pollfd pf[MAXC + 2];
	static struct conn cs[MAXC];
	int ls, i, one = 1;

	if ((ls = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 64) < 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) < 0)
		return 1;
	printf("PORT %d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (i = 0; i < MAXC; i++)
		cs[i].fd = -1;
	for (;;) {
		int n = 0, k;

		pf[n].fd = 0;
		pf[n++].events = POLLIN;
		pf[n].fd = ls;
		pf[n++].events = POLLIN;
		for (i = 0; i < MAXC; i++) {
			pf[n].fd = cs[i].fd;
			pf[n++].events = POLLIN;
		}
		if (poll(pf, (nfds_t)n, -1) < 0)
			continue;
		if (pf[0].revents) {
			char b[64];

			if (read(0, b, sizeof(b)) <= 0)
				return 0; /* stdin closed: done */
		}
		if (pf[1].revents & POLLIN) {
			int fd = accept(ls, NULL, NULL);

			for (k = 0; fd >= 0 && k < MAXC && cs[k].fd >= 0; k++)
				;
			if (fd >= 0 && k < MAXC) {
				cs[k].fd = fd;
				cs[k].n = 0;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				connections++;
			} else if (fd >= 0) {
				close(fd);
			}
		}
		for (i = 0; i < MAXC; i++) {
			struct conn *c = &cs[i];
			ssize_t r;

			if (c->fd < 0 || !(pf[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(c->fd, c->buf + c->n, BUFSZ - c->n);
			if (r <= 0 || (c->n += (size_t)r, serve(c) < 0)) {
				close(c->fd);
				c->fd = -1;
			}
		}
	}
}
