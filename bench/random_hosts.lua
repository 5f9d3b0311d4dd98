-- wrk script for every bench run, so each run costs the load generator the same.
--   wrk -s bench/random_hosts.lua URL -- COUNT DOMAIN   each request names host p<N>.DOMAIN,
--                                                       N random in 1..COUNT
--   wrk -s bench/random_hosts.lua URL -- HOST           every request names HOST
-- Counts the responses whose status is not 2xx (wrk's own count leaves out 3xx) and prints
-- "non-2xx: N" when done.

local threads = {}
local count, domain, host

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  non2xx = 0
  if #args >= 2 then
    count, domain = tonumber(args[1]), args[2]
  else
    host = args[1] or wrk.headers["Host"] or wrk.host
  end
  math.randomseed(os.time() * 1000 + thread_id)
end

function request()
  local name = host or ("p" .. math.random(1, count) .. "." .. domain)
  return wrk.format(nil, nil, { Host = name })
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("non2xx")
  end
  io.write(string.format("non-2xx: %d\n", total))
end
