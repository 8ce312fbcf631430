"""The redacting console stream: a bar's `\\r` frames pass at once, secrets never, threads and a closed pipe
are safe."""

from __future__ import annotations

import io
import os
import threading

from conformance.model.redaction import REDACTED, RedactingStream

SECRET = "tok-9f8e7d6c5b4a"


def test_a_frame_ended_by_a_carriage_return_is_written_at_once_redacted() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, [SECRET])
    stream.write(f"\r 3/9 cases {SECRET}\r")
    assert target.getvalue() == f"\r 3/9 cases {REDACTED}\r"


def test_a_bar_frame_shows_when_the_next_one_starts_before_any_newline() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, [SECRET])
    stream.write("\x1b[2K 1/9 cases")  # rich: erase the line, draw; the next frame starts with "\r"
    stream.flush()
    assert target.getvalue() == ""  # unfinished: it could still end in the middle of a secret
    stream.write("\r\x1b[2K 2/9 cases")
    assert target.getvalue() == "\x1b[2K 1/9 cases\r"


def test_a_secret_split_over_two_writes_with_a_flush_between_is_still_redacted() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, [SECRET])
    stream.write(f"\rsending as {SECRET[:6]}")
    stream.flush()
    stream.write(f"{SECRET[6:]} 4/9\r")
    stream.drain()
    assert target.getvalue() == f"\rsending as {REDACTED} 4/9\r"
    assert SECRET[:6] not in target.getvalue()


def test_lines_written_from_many_threads_arrive_whole_and_once() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, [SECRET])
    expected = [f"thread {t} line {n} {SECRET}" for t in range(8) for n in range(400)]

    def writer(thread: int) -> None:
        for n in range(400):
            stream.write(f"thread {thread} line {n} {SECRET}\n")

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stream.drain()
    assert sorted(target.getvalue().splitlines()) == sorted(
        line.replace(SECRET, REDACTED) for line in expected
    )


def test_a_closed_pipe_ends_the_output_quietly_and_for_good() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    target = open(write_end, "w", encoding="utf-8")  # noqa: SIM115 - closed below, after the fd moved
    stream = RedactingStream(target, [SECRET])
    stream.write("first line\n")
    assert not stream.broken  # buffered: the pipe is not touched yet
    stream.flush()
    assert stream.broken
    stream.write("dropped\n")
    stream.drain()
    target.write("the interpreter's last flush\n")
    target.close()  # the descriptor now points at the null device: no BrokenPipeError at exit


def test_an_open_stream_is_not_marked_broken() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, [])
    stream.write("fine\n")
    stream.drain()
    assert not stream.broken
    assert target.getvalue() == "fine\n"
