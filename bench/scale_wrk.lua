-- wrk script for bench/scale_size.py: counts the answers by status (wrk's own "non-2xx or 3xx"
-- misses a redirect to the sign-in page) and prints the figures as one JSON line at the end.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  other = 0
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local ok_total, other_total = 0, 0
  for _, thread in ipairs(threads) do
    ok_total = ok_total + thread:get("ok")
    other_total = other_total + thread:get("other")
  end
  io.write(string.format(
    'WRK_JSON {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, '
      .. '"status_200": %.0f, "status_other": %.0f, '
      .. '"errors_connect": %.0f, "errors_read": %.0f, "errors_write": %.0f, '
      .. '"errors_status": %.0f, "errors_timeout": %.0f, '
      .. '"latency_mean_us": %.1f, "latency_max_us": %.0f, '
      .. '"p50_us": %.0f, "p90_us": %.0f, "p95_us": %.0f, "p99_us": %.0f}\n',
    summary.requests, summary.duration, summary.bytes, ok_total, other_total,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99)
  ))
end
