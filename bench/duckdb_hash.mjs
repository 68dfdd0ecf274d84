// The cheapest hash-based masking a peer offers: DuckDB computing sha256()
// over the five columns cordon pseudonymizes, in one COPY … TO.
// usage: node duckdb_hash.mjs SOURCE_DIR OUT_DIR
import { DuckDBInstance } from '@duckdb/node-api';

const [src, out] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
const db = await instance.connect();
await db.run(`COPY (SELECT NUM_DOSSIER, sha256(NIR) AS NIR, sha256(NOM) AS NOM, sha256(PRENOM) AS PRENOM,
    sha256(DATE_NAISSANCE) AS DATE_NAISSANCE, sha256(TEL) AS TEL
  FROM read_csv('${src}/patients.csv', delim=';', header=true, all_varchar=true, encoding='latin-1',
                quote='"', escape='"'))
  TO '${out}/patients.csv' (HEADER, DELIMITER ',')`);
