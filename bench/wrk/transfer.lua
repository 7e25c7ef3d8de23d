-- POST one wallet transfer per request; print the summary as JSON for the benchmark.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"to_user_id": "7a0a2b1e-1c1d-4f4e-9a9b-3c3d5e5f7a7b", "amount_minor": 1200, "currency": "EUR"}'

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
