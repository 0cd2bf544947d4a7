-- POST /v2/debit_memos: one draft memo with one item on a seeded account.
-- wrk ... -s create.lua URL -- ACCOUNT_NUMBER
local request_text

function init(args)
  local account = args[1] or "A00000001"
  local body = '{"account_number":"' .. account .. '","items":[{"amount":12.34,'
    .. '"service_start":"2026-11-01","name":"Benchmark charge"}]}'
  request_text = wrk.format("POST", "/v2/debit_memos", {
    ["Authorization"] = "Bearer bench",
    ["Content-Type"] = "application/json",
  }, body)
end

function request()
  return request_text
end
