-- wrk -t2 -c100 -d5s -s wrk_completions.lua http://127.0.0.1:PORT/v1/completions
-- Non-streaming /v1/completions POSTs (16 output tokens) against aiperf-mock-server --fast.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"mock-model","prompt":"hello world how are you","max_tokens":16}'
