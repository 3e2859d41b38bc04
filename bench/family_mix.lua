-- The evening family mix (bench/family_mix.py): wrk ... -s family_mix.lua URL -- DATAFILE
-- DATAFILE (written by family_mix.py) returns {families = {{c = cookie, k = csrf, s = student id,
-- t = class teacher id or nil, h = school id}, ...}}. A family is drawn by popularity (Zipf,
-- weight 1/rank), then a page by the evening mix. Errors: status >= 400, and a redirect to the
-- login or landing page (a session that does not hold), plus wrk's socket errors.
-- Like a browser's cache (and the mobile app's), a GET the family made before carries the ETag it
-- got as If-None-Match (304 when nothing changed). One connection per thread (wrk -t N -c N), so
-- each response answers the thread's last request. A family is one browser: wrk's threads share
-- nothing, so each family belongs to one thread (families dealt out by popularity, each to the
-- thread with the least weight so far), which keeps its ETags — not sixteen browsers, one per
-- thread, each without the others' cache. A thread's families are drawn by their weights.
local threads = {}
local made = 0
setup = function(thread)
  made = made + 1
  thread:set("tid", made)
  table.insert(threads, thread)
end

local families, cumulative, total
local etags, pending = {}, nil
errs, lost, posts, revalidated = 0, 0, 0, 0

-- cumulative percentages of the evening mix
local MIX = {
  {25, "today"}, {45, "week"},            -- «Сегодня» and the week: 45 %
  {65, "grades"},                          -- grades: 20 %
  {80, "api"},                             -- the app polling the diary API: 15 %
  {85, "messages"},                        -- messages: 5 %
  {90, "attendance"}, {94, "results"}, {98, "applications"},
  {99.5, "write"},                         -- a message to a teacher of the class: 1.5 %
  {100, "apply"},                          -- an application for a younger child: 0.5 %
}
local letters = {"а","б","в","г","д","е","ж","з","и","к","л","м","н","о","п","р","с","т","у","ф"}

init = function(args)
  local everyone = dofile(args[1]).families
  local count = tonumber(args[2]) or 1  -- wrk's threads
  math.randomseed(os.time() + 7919 * tid)
  local load, mine = {}, {}
  for t = 1, count do load[t] = 0 end
  families, cumulative, total = {}, {}, 0
  for rank = 1, #everyone do  -- weight 1/rank, to the least loaded thread (ties: the first)
    local least = 1
    for t = 2, count do if load[t] < load[least] then least = t end end
    load[least] = load[least] + 1 / rank
    if least == tid then
      total = total + 1 / rank
      table.insert(families, everyone[rank])
      table.insert(cumulative, total)
    end
  end
  if #families == 0 then  -- fewer families than threads: this thread's browser is a family's second
    families, cumulative, total = {everyone[1]}, {1}, 1
  end
end

local function family()
  local x = math.random() * total
  local lo, hi = 1, #cumulative
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cumulative[mid] < x then lo = mid + 1 else hi = mid end
  end
  return families[lo]
end

local function kind()
  local r = math.random() * 100
  for _, entry in ipairs(MIX) do
    if r < entry[1] then return entry[2] end
  end
  return "today"
end

request = function()
  local f = family()
  local k = kind()
  local pupil = "/my/students/" .. f.s
  local headers = {["Cookie"] = f.c}
  if k == "write" and not f.t then k = "apply" end
  local path = nil
  if k == "today" then path = pupil .. "/today"
  elseif k == "week" then path = pupil .. "/diary"
  elseif k == "grades" then path = pupil .. "/grades"
  elseif k == "messages" then path = pupil .. "/messages"
  elseif k == "attendance" then path = pupil .. "/attendance"
  elseif k == "results" then path = pupil .. "/results"
  elseif k == "applications" then path = "/my/applications"
  elseif k == "api" then
    headers["Accept"] = "application/json"
    path = "/api/v1/students/" .. f.s .. "/diary"
  end
  if path then
    pending = f.c .. path
    if etags[pending] then headers["If-None-Match"] = etags[pending] end
    return wrk.format("GET", path, headers)
  end
  pending = nil
  posts = posts + 1
  headers["Content-Type"] = "application/json"
  headers["X-CSRFToken"] = f.k
  if k == "write" then
    local body = string.format('{"teacher_id": %d, "subject": "Вопрос по домашнему заданию", '
      .. '"text": "Здравствуйте! Уточните, пожалуйста, задание (%d)."}', f.t, math.random(1000000))
    return wrk.format("POST", "/api/v1/students/" .. f.s .. "/messages", headers, body)
  end
  local name = "Тест"  -- city_bench.BENCH_CHILD_PREFIX: the run removes these applications afterwards
  for i = 1, 8 do name = name .. letters[math.random(#letters)] end
  local body = '{"school_id": ' .. f.h .. ', "child": {"last_name": "' .. name .. '", "first_name": "Иван", '
    .. '"middle_name": "", "birth_date": "2014-05-05"}}'
  return wrk.format("POST", "/api/v1/applications/", headers, body)
end

response = function(status, headers, body)
  local etag = headers["ETag"] or headers["Etag"] or headers["etag"]
  if pending and etag then etags[pending] = etag end
  if status == 304 then revalidated = revalidated + 1 end
  if status >= 400 then
    errs = errs + 1
  elseif status == 302 or status == 303 then
    local location = headers["Location"] or headers["location"] or ""
    if location:find("/login", 1, true) or location:find("/welcome", 1, true) then
      errs = errs + 1
      lost = lost + 1
    end
  end
end

done = function(summary, latency, requests)
  local e, l, p, r = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    r = r + thread:get("revalidated")
    e = e + thread:get("errs")
    l = l + thread:get("lost")
    p = p + thread:get("posts")
  end
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("BENCH %d %f %f %f %f %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, e + socket))
  io.write(string.format("MIX lost_sessions=%d posts=%d socket_errors=%d not_modified=%d\n", l, p, socket, r))
end
