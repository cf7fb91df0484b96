#!/bin/sh
# npm test: every package's tests, four packages at a time, then the tests under load (e2e's and the
# projections' vitest project `load`) one at a time on a machine nothing else is testing on. Those
# drive a steady rate against private Kafka nodes and workers, kill one, and assert that every
# request is answered (202 or 503) within the deadlines: a browser test or a scratch stack of another
# package running beside them takes the CPU those deadlines are counted on.
# Both phases run whatever fails; the exit status is non-zero if either failed.
status=0
turbo run test --concurrency=4 --continue || status=1
turbo run test:load --concurrency=1 --continue || status=1
exit $status
