-- wrk script: an owner ticks and unticks steps as fast as the server answers (issue 19's tick round trip).
-- bench/load.py runs it:  wrk -t<n> ... -s bench/tick.lua URL -- <round pk> <origin> <csrf token> <n> <step>...
-- where each <step> is "step pk:indicator pk" (not ticked) or "step pk:indicator pk:completion id:version".
-- Each wrk thread takes its own share of the steps (no two threads write one step). A request goes to a
-- step no other connection of the thread is writing: a tick if it is not ticked, else an untick with the
-- completion id and version the last answer showed, exactly as the page's form sends them. The answer
-- (the step's row, assessments/views.py _after_step) says the new state; a refusal counts as an error.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local steps, order, busy = {}, {}, {}
local cursor = 0
local round, origin, csrf
ticks, unticks, refused, unreadable, idle = 0, 0, 0, 0, 0

function init(args)
  round, origin, csrf = args[1], args[2], args[3]
  local thread_count = tonumber(args[4])
  for i = 5, #args do
    local pk, ind, cid, ver = args[i]:match("^(%d+):(%d+):?(%d*):?(%d*)$")
    if pk and (i - 5) % thread_count == index then
      steps[pk] = { indicator = ind, completion = cid ~= "" and cid or nil, version = ver ~= "" and ver or nil }
      table.insert(order, pk)
    end
  end
end

local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  for _ = 1, #order do
    cursor = cursor % #order + 1
    local pk = order[cursor]
    -- wrk calls request() once before the run to check it (thread 0): that step is freed after a while.
    if not busy[pk] or os.time() - busy[pk] > 5 then
      busy[pk] = os.time()
      local s = steps[pk]
      local body
      if s.completion then
        body = "round=" .. round .. "&completion_id=" .. s.completion .. "&version=" .. s.version
          .. "&reason=" .. encode("ทดสอบความเร็ว: ยกเลิก")
      else
        body = "done=on&done_on=2022-03-01&round=" .. round .. "&note=" .. encode("ทดสอบความเร็ว")
      end
      local page = origin .. "/indicators/" .. s.indicator .. "/"
      local headers = {}  -- wrk.format's headers replace the command line's (-H: the session cookie)
      for k, v in pairs(wrk.headers) do headers[k] = v end
      headers["Content-Type"], headers["HX-Request"] = "application/x-www-form-urlencoded", "true"
      headers["HX-Current-URL"], headers["X-CSRFToken"], headers["Origin"] = page, csrf, origin
      return wrk.format("POST", "/steps/" .. pk .. "/save/", headers, body)
    end
  end
  idle = idle + 1  -- every step is being written: the bare view meanwhile (bench/load.py reports how often)
  return wrk.format("GET", "/reports/ping/")
end

function response(status, headers, body)
  if body == "ok" then return end  -- the bare view, asked while every step was being written
  if status ~= 200 or body:find('class="alert alert%-danger"') then
    if refused == 0 then io.stderr:write("first refusal: ", status, " ", body:sub(1, 300), "\n") end
    refused = refused + 1
    return
  end
  local row = body:match('<li[^>]-id="step%-%d+".-</li>')
  local pk = row and row:match('id="step%-(%d+)"')
  if not pk or not steps[pk] then
    if unreadable == 0 then io.stderr:write("first unreadable answer: ", body:sub(1, 300), "\n") end
    unreadable = unreadable + 1
    return
  end
  local s = steps[pk]
  local input = row:match('<input[^>]-name="completion_id"[^>]->')
  local version = row:match('<input[^>]-name="version"[^>]->')
  if input and version then
    s.completion, s.version = input:match('value="(%d+)"'), version:match('value="(%d+)"')
    ticks = ticks + 1
  else
    s.completion, s.version = nil, nil
    unticks = unticks + 1
  end
  busy[pk] = nil
end

function done(summary, latency, requests)
  local t, u, r, x, i = 0, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    t, u = t + thread:get("ticks"), u + thread:get("unticks")
    r, x, i = r + thread:get("refused"), x + thread:get("unreadable"), i + thread:get("idle")
  end
  io.write(string.format("ticks: %d unticks: %d refused: %d unreadable: %d idle: %d\n", t, u, r, x, i))
end
