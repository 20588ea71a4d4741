#include "audio/stderr_capture.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_CAPTURE 65536 /* bytes read back; ALSA's worst is a few kB */
#define MAX_LINE 512      /* longer lines are cut */

void sotto__stderr_capture_begin(sotto_stderr_capture *c)
{
    c->saved_fd = -1;
    c->capture_fd = memfd_create("sotto-audio-stderr", MFD_CLOEXEC);
    if (c->capture_fd < 0)
        return;
    fflush(stderr);
    c->saved_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (c->saved_fd < 0 || dup2(c->capture_fd, STDERR_FILENO) < 0) {
        if (c->saved_fd >= 0)
            close(c->saved_fd);
        close(c->capture_fd);
        c->saved_fd = c->capture_fd = -1;
    }
}

static void emit_lines(char *text, size_t len, sotto_audio_library_line_cb cb, void *opaque)
{
    size_t start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != '\n')
            continue;
        text[i] = '\0';
        if (i - start > MAX_LINE)
            text[start + MAX_LINE] = '\0';
        if (text[start] != '\0')
            cb(opaque, text + start);
        start = i + 1;
    }
}

void sotto__stderr_capture_end(sotto_stderr_capture *c, sotto_audio_library_line_cb cb,
                               void *opaque)
{
    char *text;
    ssize_t got = -1;

    if (c->saved_fd < 0)
        return;
    fflush(stderr);
    dup2(c->saved_fd, STDERR_FILENO);
    close(c->saved_fd);
    text = cb ? malloc(MAX_CAPTURE + 1) : NULL;
    if (text)
        got = pread(c->capture_fd, text, MAX_CAPTURE, 0);
    close(c->capture_fd);
    c->saved_fd = c->capture_fd = -1;
    if (got > 0)
        emit_lines(text, (size_t)got, cb, opaque);
    free(text);
}
