"""Facts every stage shares and none re-derives: x509 facts, the pymilvus client model, bounded file I/O,
the Milvus-line table. Nothing here imports from the layers above (material, rules, deploy, handshake, ...)."""
