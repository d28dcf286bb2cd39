"""The semantic layer: document vectors from a multilingual encoder, and what uses them.

``encoders`` (the encoder interface and its backends), ``inputs`` (the text of a document that is
embedded), ``embed`` (incremental, parallel embedding of a corpus), ``search`` (similar documents,
semantic and hybrid search). Nothing here is imported unless a command asks for it: a corpus
without an encoder configured never loads it.
"""
