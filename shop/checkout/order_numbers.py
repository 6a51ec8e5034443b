"""Order numbers: TK-YYYYMMDD-NNNN, counted per day without gaps."""

from django.db import connection

from shop.checkout.models import DailyOrderCounter


def next_order_number(day):
    """TK-YYYYMMDD-NNNN. The day's counter row stays locked until commit: unique, without gaps.

    One upsert creates or increments the row. Concurrent first checkouts of a day that instead
    INSERT, fail on the duplicate and then UPDATE deadlock on MariaDB: the failed INSERT leaves
    each holding a shared lock the other's UPDATE waits for. The upsert takes an exclusive lock.
    """
    table = connection.ops.quote_name(DailyOrderCounter._meta.db_table)
    day_column = connection.ops.quote_name("day")
    number_column = connection.ops.quote_name("last_number")
    value = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute(
                f"INSERT INTO {table} ({day_column}, {number_column}) VALUES (%s, 1) "
                f"ON DUPLICATE KEY UPDATE {number_column} = {number_column} + 1",
                [value],
            )
            cursor.execute(f"SELECT {number_column} FROM {table} WHERE {day_column} = %s", [value])
        else:  # PostgreSQL and SQLite
            cursor.execute(
                f"INSERT INTO {table} ({day_column}, {number_column}) VALUES (%s, 1) "
                f"ON CONFLICT ({day_column}) DO UPDATE SET {number_column} = {table}.{number_column} + 1 "
                f"RETURNING {number_column}",
                [value],
            )
        number = cursor.fetchone()[0]
    return f"TK-{day:%Y%m%d}-{number:04d}"
