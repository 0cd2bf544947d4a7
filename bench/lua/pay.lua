-- POST /v2/debit_memos/{id}/pay: 0.01 at a time, round-robin over open memos
-- with large balances (made by the harness), so every request really pays.
-- wrk ... -s pay.lua URL -- CURRENCY ID1,ID2,...
local requests = {}
local next_one = 0

function init(args)
  local body = '{"currency":"' .. args[1] .. '","amount":0.01}'
  for id in string.gmatch(args[2], "[^,]+") do
    requests[#requests + 1] = wrk.format("POST", "/v2/debit_memos/" .. id .. "/pay", {
      ["Authorization"] = "Bearer bench",
      ["Content-Type"] = "application/json",
    }, body)
  end
end

function request()
  next_one = next_one % #requests + 1
  return requests[next_one]
end
