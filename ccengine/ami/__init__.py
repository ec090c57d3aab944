"""The Asterisk Manager Interface edge: the only package that imports panoramisk."""
