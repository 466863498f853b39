"""One module per channel: verify the request, normalise it to one inbound shape, hand it over."""
