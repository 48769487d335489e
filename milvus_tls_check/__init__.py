"""milvus-tls-check: will your Milvus TLS material work, and if not, exactly why."""
__version__ = "0.1.0"
