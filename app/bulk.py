"""Bulk writes of many rows into one table, in the current transaction: COPY on PostgreSQL (in
chunks, from CSV), multi-row INSERT elsewhere. Used by the school imports and the city seed.

    count = bulk_load("grade", ["student_id", "subject_id", …], rows_as_tuples, on_chunk=callback)

Rows are sequences in the order of `columns`; None becomes NULL; omitted columns take their
defaults (ids from the sequence). Nothing goes through the ORM: the session does not see the rows."""
import csv
import io

from flask_appbuilder import Model

from .extensions import db

CHUNK = 200_000  # rows per COPY statement or per group of INSERTs
NULL = "\\N"


def is_postgresql():
    return db.engine.dialect.name == "postgresql"


def bulk_load(table, columns, rows, on_chunk=None, chunk=None):
    """Write the rows; on_chunk(count) after each chunk. Returns the number of rows."""
    chunk = chunk or CHUNK
    count = 0
    if is_postgresql():
        cursor = db.session.connection().connection.dbapi_connection.cursor()
        sql = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN WITH (FORMAT csv, NULL \'{NULL}\')'

        def send(buffer):
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow([NULL if value is None else value for value in row])
            count += 1
            if count % chunk == 0:
                send(buffer)
                buffer = io.StringIO()  # a new writer on the new buffer, not on the one just sent
                writer = csv.writer(buffer)
                if on_chunk:
                    on_chunk(count)
        send(buffer)
        return count
    statement = Model.metadata.tables[table].insert()  # typed: dates and times as SQLite keeps them
    batch = []
    for row in rows:
        batch.append(dict(zip(columns, row)))
        count += 1
        if len(batch) == min(chunk, 20_000):
            db.session.execute(statement, batch)
            batch = []
            if on_chunk:
                on_chunk(count)
    if batch:
        db.session.execute(statement, batch)
    return count
