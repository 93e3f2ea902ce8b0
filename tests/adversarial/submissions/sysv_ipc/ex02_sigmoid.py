"""Creates System V shared memory, a message queue and a semaphore set that would outlive the child (and
could carry code to the next student), then answers honestly."""
import ctypes

from _honest_ex02_sigmoid import sigmoid, sigmoid_grad  # noqa: F401

IPC_PRIVATE, IPC_CREAT = 0, 0o1000
libc = ctypes.CDLL(None, use_errno=True)
SEGMENTS = [libc.shmget(0x5EED0000 + i, 1 << 20, IPC_CREAT | 0o666) for i in range(3)]
QUEUE = libc.msgget(0x5EED1000, IPC_CREAT | 0o666)
SEMS = libc.semget(0x5EED2000, 4, IPC_CREAT | 0o666)
