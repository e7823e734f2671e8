#!/usr/bin/env python3
"""Packs an extension directory into a .vsix (a zip with the extension under
extension/), as vsce would, for the tests: make-vsix.py DIR OUTPUT.vsix"""
import os
import sys
import zipfile

source, output = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(source)):
        z.write(os.path.join(source, name), "extension/" + name)
