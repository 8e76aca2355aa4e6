-- wrk script for the bench: the method, body and headers come from the environment
-- (BENCH_METHOD, BENCH_BODY, BENCH_COOKIE, BENCH_HEADERS as "Name: value|Name: value"),
-- and the summary is printed as one JSON line that bench/load.py reads.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
for name, value in string.gmatch(os.getenv("BENCH_HEADERS") or "", "([^:|]+):%s*([^|]*)") do
  wrk.headers[name] = value
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, ' ..
    '"p95_us": %d, "p99_us": %d, "max_us": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, e.connect, e.read, e.write,
    e.status, e.timeout))
end
