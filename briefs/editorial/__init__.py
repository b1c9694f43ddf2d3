"""The desk's rules and records: who may change what (workflow), revision
history and restore, word diffs, and the readers' record of change."""
