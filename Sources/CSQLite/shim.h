// CSQLite: exposes the system SQLite C API (libsqlite3-dev) to Swift through a systemLibrary
// target, so the project uses SQLite without any package dependency.
#include <sqlite3.h>
