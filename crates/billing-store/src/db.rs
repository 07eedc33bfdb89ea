//! The sqlx operations the shared store code runs, named once for any database that has them.
//!
//! sqlx states what a database can bind and read as bounds on the value type (`&str:
//! Encode<'q, DB>`), and Rust does not carry such bounds along with a generic parameter: every
//! generic function would have to repeat a dozen of them, `Option` variants included, because
//! sqlx implements those per database. The traits here turn them around (`DB: Bind<'q, &'q
//! str>`), which a trait may require of its database and which then travels with it. [`SqlDb`]
//! lists what the store needs, [`crate::Dialect::Db`] is bound by it, and code generic over a
//! dialect binds ([`QueryExt::arg`]), runs ([`QueryExt::fetch_optional_on`] and the like) and
//! reads ([`RowExt::value`]) with no bounds of its own. The blanket impls below are the one
//! place where sqlx's own bounds are spelled out.

use std::future::Future;
use std::pin::Pin;

use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

/// A statement with its arguments, as `sqlx::query` builds it.
pub type DbQuery<'q, DB> = Query<'q, DB, <DB as Database>::Arguments<'q>>;

/// What running a statement returns: boxed, because sqlx's executors return boxed futures.
pub type DbFuture<'c, T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'c>>;

/// Values of type `T` can be bound to this database's statements.
pub trait Bind<'q, T>: Database {
    fn bind_value(query: DbQuery<'q, Self>, value: T) -> DbQuery<'q, Self>;
}

impl<'q, DB: Database, T: 'q + Encode<'q, DB> + Type<DB>> Bind<'q, T> for DB {
    fn bind_value(query: DbQuery<'q, Self>, value: T) -> DbQuery<'q, Self> {
        query.bind(value)
    }
}

/// Columns of this database's rows can be read, by name, as `T`.
pub trait ReadAs<T>: Database {
    /// # Errors
    /// A missing column or a value that does not decode as `T`.
    fn read_as(row: &Self::Row, column: &str) -> Result<T, sqlx::Error>;
}

impl<DB: Database, T: for<'r> Decode<'r, DB> + Type<DB>> ReadAs<T> for DB
where
    for<'n> &'n str: ColumnIndex<DB::Row>,
{
    fn read_as(row: &Self::Row, column: &str) -> Result<T, sqlx::Error> {
        row.try_get(column)
    }
}

/// A column type the store both binds and reads, nullable or not.
pub trait Holds<T>: for<'q> Bind<'q, T> + for<'q> Bind<'q, Option<T>> + ReadAs<T> + ReadAs<Option<T>> {}

impl<DB, T> Holds<T> for DB where DB: for<'q> Bind<'q, T> + for<'q> Bind<'q, Option<T>> + ReadAs<T> + ReadAs<Option<T>> {}

/// Statements run on one of this database's connections.
pub trait Run: Database {
    fn fetch_optional<'c, 'q: 'c>(query: DbQuery<'q, Self>, conn: &'c mut Self::Connection) -> DbFuture<'c, Option<Self::Row>>;
    fn fetch_all<'c, 'q: 'c>(query: DbQuery<'q, Self>, conn: &'c mut Self::Connection) -> DbFuture<'c, Vec<Self::Row>>;
    fn fetch_one<'c, 'q: 'c>(query: DbQuery<'q, Self>, conn: &'c mut Self::Connection) -> DbFuture<'c, Self::Row>;
    fn execute<'c, 'q: 'c>(query: DbQuery<'q, Self>, conn: &'c mut Self::Connection) -> DbFuture<'c, Self::QueryResult>;
    /// Runs `sql` without arguments and without preparing it, as a transaction-control
    /// statement such as `SAVEPOINT` is run.
    fn execute_unprepared<'c>(sql: &'c str, conn: &'c mut Self::Connection) -> DbFuture<'c, Self::QueryResult>;
}

impl<DB: Database> Run for DB
where
    for<'e> &'e mut DB::Connection: Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
{
    fn fetch_optional<'c, 'q: 'c>(query: DbQuery<'q, Self>, conn: &'c mut Self::Connection) -> DbFuture<'c, Option<Self::Row>> {
        conn.fetch_optional(query)
    }

    fn fetch_all<'c, 'q: 'c>(query: DbQuery<'q, Self>, conn: &'c mut Self::Connection) -> DbFuture<'c, Vec<Self::Row>> {
        conn.fetch_all(query)
    }

    fn fetch_one<'c, 'q: 'c>(query: DbQuery<'q, Self>, conn: &'c mut Self::Connection) -> DbFuture<'c, Self::Row> {
        conn.fetch_one(query)
    }

    fn execute<'c, 'q: 'c>(query: DbQuery<'q, Self>, conn: &'c mut Self::Connection) -> DbFuture<'c, Self::QueryResult> {
        conn.execute(query)
    }

    fn execute_unprepared<'c>(sql: &'c str, conn: &'c mut Self::Connection) -> DbFuture<'c, Self::QueryResult> {
        conn.execute(sql)
    }
}

/// Everything the shared store code asks of a database: running statements, and binding and
/// reading text, numbers, flags and bytes. Times and lists are the dialect's own types
/// ([`crate::Dialect`]), required of its database there.
pub trait SqlDb:
    Run
    + for<'q> Bind<'q, &'q str>
    + for<'q> Bind<'q, Option<&'q str>>
    + for<'q> Bind<'q, &'q [u8]>
    + Holds<String>
    + Holds<i64>
    + Holds<bool>
    + ReadAs<Vec<u8>>
{
}

impl<DB> SqlDb for DB where
    DB: Run
        + for<'q> Bind<'q, &'q str>
        + for<'q> Bind<'q, Option<&'q str>>
        + for<'q> Bind<'q, &'q [u8]>
        + Holds<String>
        + Holds<i64>
        + Holds<bool>
        + ReadAs<Vec<u8>>
{
}

/// Binding and running a statement on any [`Run`] database; named apart from sqlx's own
/// methods, whose bounds generic code could not meet.
pub trait QueryExt<'q, DB: Run>: Sized {
    /// Binds the next `$N`.
    #[must_use]
    fn arg<T>(self, value: T) -> Self
    where
        DB: Bind<'q, T>;
    fn fetch_optional_on<'c>(self, conn: &'c mut DB::Connection) -> DbFuture<'c, Option<DB::Row>>
    where
        'q: 'c;
    fn fetch_all_on<'c>(self, conn: &'c mut DB::Connection) -> DbFuture<'c, Vec<DB::Row>>
    where
        'q: 'c;
    fn fetch_one_on<'c>(self, conn: &'c mut DB::Connection) -> DbFuture<'c, DB::Row>
    where
        'q: 'c;
    fn execute_on<'c>(self, conn: &'c mut DB::Connection) -> DbFuture<'c, DB::QueryResult>
    where
        'q: 'c;
}

impl<'q, DB: Run> QueryExt<'q, DB> for DbQuery<'q, DB> {
    fn arg<T>(self, value: T) -> Self
    where
        DB: Bind<'q, T>,
    {
        DB::bind_value(self, value)
    }

    fn fetch_optional_on<'c>(self, conn: &'c mut DB::Connection) -> DbFuture<'c, Option<DB::Row>>
    where
        'q: 'c,
    {
        DB::fetch_optional(self, conn)
    }

    fn fetch_all_on<'c>(self, conn: &'c mut DB::Connection) -> DbFuture<'c, Vec<DB::Row>>
    where
        'q: 'c,
    {
        DB::fetch_all(self, conn)
    }

    fn fetch_one_on<'c>(self, conn: &'c mut DB::Connection) -> DbFuture<'c, DB::Row>
    where
        'q: 'c,
    {
        DB::fetch_one(self, conn)
    }

    fn execute_on<'c>(self, conn: &'c mut DB::Connection) -> DbFuture<'c, DB::QueryResult>
    where
        'q: 'c,
    {
        DB::execute(self, conn)
    }
}

/// Reading a column by name on any database that can read its type.
pub trait RowExt: Row {
    /// # Errors
    /// A missing column or a value that does not decode as `T`.
    fn value<T>(&self, column: &str) -> Result<T, sqlx::Error>
    where
        Self::Database: ReadAs<T>;
}

impl<R: Row> RowExt for R {
    fn value<T>(&self, column: &str) -> Result<T, sqlx::Error>
    where
        R::Database: ReadAs<T>,
    {
        <R::Database as ReadAs<T>>::read_as(self, column)
    }
}
