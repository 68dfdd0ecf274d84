#!/usr/bin/env python3
"""Replaces (or appends) one section of bench/RESULTS.md.

usage: update_results.py RESULTS_MD SECTION_FILE "## heading prefix"
The section runs from its heading to the next "## " heading.
"""
import os
import sys

path, section_file, heading = sys.argv[1:4]
section = open(section_file).read()
text = open(path).read() if os.path.exists(path) else "# Benchmark results\n\nEach section is rewritten by the command it names.\n\n"
start = text.find(heading)
if start >= 0:
    end = text.find("\n## ", start + 1)
    text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
