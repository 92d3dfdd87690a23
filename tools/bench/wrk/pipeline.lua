-- wrk script for tools/bench's pipelined shape: every write carries 16
-- GET /ping requests; wrk counts the 16 responses before the next write.
init = function(args)
  local r = {}
  for i = 1, 16 do
    r[i] = wrk.format("GET", "/ping")
  end
  req = table.concat(r)
end

request = function()
  return req
end
