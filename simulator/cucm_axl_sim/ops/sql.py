"""executeSQLQuery and executeSQLUpdate over the simulator's store, in the Informix dialect."""

from .. import informix, soap
from . import operation


def _run(fn, req, **kw):
    sql = req.text("sql")
    if not sql:
        raise soap.AxlFault(-201, "A syntax error has occurred.")
    try:
        return fn(req.conn, sql, **kw)
    except informix.SQLError as exc:
        raise soap.AxlFault(exc.code, exc.message) from None


@operation("executeSQLQuery", listing=True)
def execute_sql_query(req):
    columns, rows = _run(informix.run_query, req, char_padding=req.compat("char-padding"))
    names = [informix.axl_element_name(col) for col in columns]
    return {"row": [{name: _text(value) for name, value in zip(names, row)} for row in rows]}


@operation("executeSQLUpdate", write=True)
def execute_sql_update(req):
    return {"rowsUpdated": _run(informix.run_update, req)}


def _text(value):
    """Column values as CUCM writes them: text, NULL as an empty element."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
