/*
 * worker.h — the worker process: `jobd --worker SLOT ...`, exec'd by the
 * server (spawn.h) with its socket on fd 3. It says HELLO, then runs one job
 * per RUN message and answers STARTED and DONE. It exits when the socket
 * closes, on SIGTERM, or — through PR_SET_PDEATHSIG — when the server dies,
 * killing its running job's process group first.
 */
#ifndef JOBD_WORKER_H
#define JOBD_WORKER_H

int worker_main(int argc, char **argv);

#endif
