//! Reading a live database's schema.
