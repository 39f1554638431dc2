"""政策问答 library: load, chunk, index, retrieve and answer with cited paragraphs."""
