// What a source that can read every table as of one moment offers beside connector.h: a
// migration holds one snapshot per source for the whole run, so that a ticket created mid-run for
// a customer created mid-run is either read with its customer or not at all.
#pragma once

#include <memory>
#include <string>

#include "connector/connector.h"
#include "util/status.h"

namespace csbridge::connector {

class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  // From this call until the connector is destroyed, every read() of this connector sees the
  // database as of one moment: PostgreSQL exports the snapshot of a REPEATABLE READ READ ONLY
  // transaction it holds open and every reading connection imports it (SET TRANSACTION
  // SNAPSHOT); SQLite holds one read transaction on the connector's connection, which its reads
  // share (a database in rollback-journal mode keeps writers out meanwhile; WAL does not).
  // Returns how, with the moment where the engine tells it, for the run's summary and audit.
  // kNotSupported (naming the backend) where the engine or the wrapped connector cannot.
  virtual Result<std::string> hold_snapshot() = 0;
  // Whether reads of this connector may run at once, on any thread, each in the held snapshot:
  // true where every read has a connection of its own that imports it (PostgreSQL), so that the
  // related rows of `from:` fields are read through it, in the snapshot, instead of on a second
  // connection outside it. False where reads share one connection (SQLite, ODBC).
  virtual bool concurrent_reads() const { return false; }
  // A connector for the related rows of `from:` fields, read while a read of this connector is
  // open (on the same thread), in the held snapshot; call after hold_snapshot(). PostgreSQL:
  // this connector (each read has a connection of its own importing the snapshot); SQLite: this
  // connector (statements of one connection are stepped in turn, all in its read transaction);
  // PostgreSQL through ODBC: a second connection importing the snapshot the first exported.
  // kNotSupported where it cannot (no snapshot held; MariaDB/MySQL through ODBC, whose consistent
  // snapshot cannot be shared): the caller then reads them on a connection of its own, outside it.
  virtual Result<std::unique_ptr<Connector>> related_reader() = 0;
};

}  // namespace csbridge::connector
