-- Staff at the same time as the families (bench/family_mix.py): wrk ... -s staff_mix.lua URL -- DATAFILE
-- DATAFILE returns {teachers = {{c = cookie, k = csrf, a = assignment id, l = lesson id, s = pupil id}, ...},
-- clerk = {c = cookie}}. Each connection waits ~200 ms between requests (paced, not saturating):
-- two in three requests are a teacher's write (a grade in a cell, or the topic and homework of a
-- lesson) through the journal's JSON endpoints, one in three the clerk's queue (/applications/list/).
local threads = {}
local made = 0
setup = function(thread)
  made = made + 1
  thread:set("tid", made)
  table.insert(threads, thread)
end

local teachers, clerk
errs, writes, reads = 0, 0, 0

init = function(args)
  local data = dofile(args[1])
  teachers, clerk = data.teachers, data.clerk
  math.randomseed(os.time() + 104729 * tid)
end

delay = function() return 200 end

request = function()
  if math.random(3) == 3 then
    reads = reads + 1
    return wrk.format("GET", "/applications/list/", {["Cookie"] = clerk.c})
  end
  writes = writes + 1
  local t = teachers[math.random(#teachers)]
  local headers = {["Cookie"] = t.c, ["X-CSRFToken"] = t.k, ["Content-Type"] = "application/json",
                   ["Accept"] = "application/json"}
  if math.random(4) == 4 then
    local body = string.format('{"lesson_id": %d, "topic": "Повторение", "homework": "№ %d"}',
      t.l, math.random(100, 999))
    return wrk.format("POST", "/journal/" .. t.a .. "/lesson", headers, body)
  end
  local body = string.format('{"student_id": %d, "lesson_id": %d, "value": "%d"}', t.s, t.l, math.random(2, 5))
  return wrk.format("POST", "/journal/" .. t.a .. "/cell", headers, body)
end

response = function(status, headers, body)
  if status >= 300 then errs = errs + 1 end  -- staff answers are 200: a redirect is a lost session
end

done = function(summary, latency, requests)
  local e, w, r = 0, 0, 0
  for _, thread in ipairs(threads) do
    e = e + thread:get("errs")
    w = w + thread:get("writes")
    r = r + thread:get("reads")
  end
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("BENCH %d %f %f %f %f %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, e + socket))
  io.write(string.format("STAFF writes=%d queue=%d\n", w, r))
end
