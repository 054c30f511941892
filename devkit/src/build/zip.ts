// A deterministic zip writer: the same files give the same bytes, so Terraform's source_code_hash only
// changes when a function's code does. Entries sorted by name, one fixed time (1980-01-01, the first a
// zip can hold), fixed permissions, no extra fields. Node's own zlib; no dependency.
import { deflateRawSync } from 'node:zlib';

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const VERSION = 20; // 2.0: deflate
const MADE_BY_UNIX = (3 << 8) | VERSION;
const FILE_MODE = 0o100644; // a regular file, rw-r--r--
const UTF8_NAMES = 1 << 11;

/** The fields the local header and the central directory share, from `at`: version needed to extract to name length. */
interface SharedFields {
  method: number;
  crc: number;
  compressed: number;
  size: number;
  nameLength: number;
}

function writeShared(header: Buffer, at: number, { method, crc, compressed, size, nameLength }: SharedFields): void {
  header.writeUInt16LE(VERSION, at);
  header.writeUInt16LE(UTF8_NAMES, at + 2);
  header.writeUInt16LE(method, at + 4);
  header.writeUInt16LE(DOS_TIME, at + 6);
  header.writeUInt16LE(DOS_DATE, at + 8);
  header.writeUInt32LE(crc, at + 10);
  header.writeUInt32LE(compressed, at + 14);
  header.writeUInt32LE(size, at + 18);
  header.writeUInt16LE(nameLength, at + 22);
}

/** The zip of `files` ({ name, data }): names use `/`, data are Buffers or strings. */
export interface ZipEntry {
  /** The path inside the archive, with `/`. */
  name: string;
  data: Buffer | string;
}

export function zip(files: readonly ZipEntry[]): Buffer {
  const entries = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const nameBytes = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(bytes, { level: 9 });
    // Stored when deflate would not make it smaller.
    const stored = deflated.length >= bytes.length;
    const body = stored ? bytes : deflated;
    const shared = { method: stored ? 0 : 8, crc: crc32(bytes), compressed: body.length, size: bytes.length, nameLength: nameBytes.length };

    // Local header: signature, the shared fields, no extra field.
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeShared(local, 4, shared);
    locals.push(local, nameBytes, body);

    // Central directory entry: signature, made by (Unix), the shared fields, no extra, comment or disk;
    // the file's mode in the high half of the external attributes; where its local header starts.
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    writeShared(central, 6, shared);
    central.writeUInt32LE((FILE_MODE << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);

    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
