"""PDF extraction internals: guard (bad files, time limit), layout (lines and reading order),
cleanup (running headers, hyphenation, paragraphs), fields (journal articles), regulation
(Indonesian legal documents) and ocr (scanned pages). ``pipeline.readers.pdf`` ties them together."""
