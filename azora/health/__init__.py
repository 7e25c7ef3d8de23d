"""What a worker's /healthz and /readyz say, and the small server that answers them.

- `heartbeat`: when each of a process's loops last showed it was alive (liveness);
- `probes`: liveness from the heartbeats, readiness from checks of the dependencies;
- `server`: /healthz and /readyz on a port of their own, apart from /metrics.
"""
