/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging for the controller and verbose CLI output. The API takes format
 * strings only; never pass secret bytes. Output goes to stderr (or the sink
 * set by the program) as one line per record.
 */
#ifndef CK_LOG_H
#define CK_LOG_H

#include "ck/err.h"

enum ck_log_level { CK_LOG_ERROR, CK_LOG_WARN, CK_LOG_INFO, CK_LOG_DEBUG };

void ck_log_set_level(enum ck_log_level l);
enum ck_log_level ck_log_get_level(void);
/* JSON lines ({"level":..,"msg":..}) instead of plain text when on. */
void ck_log_set_json(int on);
void ck_log(enum ck_log_level l, const char *fmt, ...) CK_PRINTF(2, 3);

#define ck_log_error(...) ck_log(CK_LOG_ERROR, __VA_ARGS__)
#define ck_log_warn(...) ck_log(CK_LOG_WARN, __VA_ARGS__)
#define ck_log_info(...) ck_log(CK_LOG_INFO, __VA_ARGS__)
#define ck_log_debug(...) ck_log(CK_LOG_DEBUG, __VA_ARGS__)

#endif
