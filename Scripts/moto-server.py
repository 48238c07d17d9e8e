"""moto's S3 server, with conditional PUTs made atomic as on S3.

moto 5 checks `If-Match` / `If-None-Match` in `S3Response.put_object` and then stores the
object with no lock, so two concurrent conditional writes can both succeed (a lost update
that real S3 never allows). mreg's pack list and heads rely on S3's guarantee, and the tests
race several pushers, so this runs moto with one lock around every object PUT.
Usage: python3 Scripts/moto-server.py -H 127.0.0.1 -p PORT (moto_server's arguments).
"""
import sys
import threading

from moto.s3.responses import S3Response

_lock = threading.Lock()
_put_object = S3Response.put_object


def put_object(self, *args, **kwargs):
    with _lock:
        return _put_object(self, *args, **kwargs)


S3Response.put_object = put_object

from moto.server import main  # noqa: E402  (after the patch)

main(sys.argv[1:])
