"""Small, valid, deterministic files of the kinds old township sites serve.

Images (PNG, GIF, JPEG) and attachments (PDF, OLE2 .doc/.xls/.wps, OOXML .docx/.xlsx, .zip) are
written from scratch so the samples need no imaging or office library. Every function is pure:
the same arguments give the same bytes.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

Pixel = tuple[int, int, int]


# ---------------------------------------------------------------- pictures

def scene(width: int, height: int, seed: str) -> list[list[Pixel]]:
    """A seeded landscape-like picture (sky, hills, a field) so each image differs."""
    rng = random.Random(seed)
    sky = (rng.randint(90, 160), rng.randint(150, 200), rng.randint(200, 250))
    hill = (rng.randint(40, 90), rng.randint(110, 160), rng.randint(40, 80))
    field = (rng.randint(150, 210), rng.randint(140, 190), rng.randint(60, 110))
    ridge = [height * rng.uniform(0.35, 0.55) for _ in range(4)]
    tops = []
    for x in range(width):
        t = x / max(width - 1, 1) * 3
        seg = min(int(t), 2)
        tops.append(ridge[seg] * (1 - (t - seg)) + ridge[seg + 1] * (t - seg))
    rows = []
    for y in range(height):
        shade = 1 - 0.25 * y / height
        air = tuple(int(c * shade) for c in sky)
        ground = hill if y < height * 0.75 else field
        rows.append([air if y < top else ground for top in tops])
    return rows


def png_bytes(pixels: list[list[Pixel]]) -> bytes:
    """8-bit RGB PNG."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _palette_indices(pixels: list[list[Pixel]]) -> tuple[list[Pixel], list[int]]:
    palette: list[Pixel] = []
    indices = []
    for row in pixels:
        for px in row:
            if px not in palette:
                if len(palette) == 16:
                    px = min(palette, key=lambda p: sum((a - b) ** 2 for a, b in zip(p, px)))
                else:
                    palette.append(px)
            indices.append(palette.index(px))
    palette += [(0, 0, 0)] * (16 - len(palette))
    return palette, indices


def _gif_lzw(indices: list[int], min_code_size: int = 4) -> bytes:
    """LZW with a clear code before the table would need wider codes: the code size stays fixed
    at min_code_size + 1, which every decoder accepts."""
    clear, end = 1 << min_code_size, (1 << min_code_size) + 1
    width = min_code_size + 1
    limit = (1 << width) - 4
    acc = nbits = 0
    out = bytearray()

    def emit(code):
        nonlocal acc, nbits
        acc |= code << nbits
        nbits += width
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8

    table = {(i,): i for i in range(clear)}
    next_code = end + 1
    emit(clear)
    current: tuple = ()
    for index in indices:
        grown = current + (index,)
        if grown in table:
            current = grown
            continue
        emit(table[current])
        if next_code < limit:
            table[grown] = next_code
            next_code += 1
        else:
            emit(clear)
            table = {(i,): i for i in range(clear)}
            next_code = end + 1
        current = (index,)
    if current:
        emit(table[current])
    emit(end)
    if nbits:
        out.append(acc & 0xFF)
    blocks = b"".join(bytes([len(out[i:i + 255])]) + out[i:i + 255] for i in range(0, len(out), 255))
    return bytes([min_code_size]) + blocks + b"\x00"


def gif_bytes(pixels: list[list[Pixel]]) -> bytes:
    """GIF89a with a 16-colour global palette (colours beyond 16 are mapped to the nearest)."""
    height, width = len(pixels), len(pixels[0])
    palette, indices = _palette_indices(pixels)
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF3, 0, 0)
    colours = bytes(c for px in palette for c in px)
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return header + colours + image + _gif_lzw(indices) + b"\x3b"


def banner_pixels(width: int, height: int, seed: str) -> list[list[Pixel]]:
    """A flat red-and-gold banner with stripes: the kind of logo GIF old sites have."""
    rng = random.Random(seed)
    red = (rng.randint(170, 200), rng.randint(10, 40), rng.randint(10, 40))
    gold = (240, rng.randint(190, 215), 60)
    stripe = rng.randint(3, 6)
    return [[gold if (x // stripe + y // stripe) % 7 == 0 or y in (2, height - 3) else red
             for x in range(width)] for y in range(height)]


# Baseline JPEG in which every 8x8 block is one flat colour (DC coefficients only). Valid for any
# decoder, tiny, and needs no DCT.
_DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
_DC_VALS = list(range(12))
_AC_BITS = [0, 2] + [0] * 14
_AC_VALS = [0x00, 0x01]          # only end-of-block is ever written


def _huffman_codes(bits: list[int], values: list[int]) -> dict[int, tuple[int, int]]:
    codes, code, k = {}, 0, 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


class _BitWriter:
    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, value: int, length: int):
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0x00)     # byte stuffing
                self.acc = self.n = 0

    def flush(self) -> bytes:
        if self.n:
            self.write((1 << (8 - self.n)) - 1, 8 - self.n)
        return bytes(self.out)


def _ycbcr(px: Pixel) -> tuple[float, float, float]:
    r, g, b = px
    return (0.299 * r + 0.587 * g + 0.114 * b,
            128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
            128 + 0.5 * r - 0.418688 * g - 0.081312 * b)


def jpeg_bytes(pixels: list[list[Pixel]]) -> bytes:
    """Baseline JFIF; each 8x8 block is filled with the block's average colour."""
    height, width = len(pixels), len(pixels[0])
    seg = lambda marker, data: struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data  # noqa: E731
    quant = bytes([0]) + bytes([8] * 64)
    sof = struct.pack(">BHHB", 8, height, width, 3) + b"".join(
        struct.pack(">BBB", cid, 0x11, 0) for cid in (1, 2, 3))
    dht = (bytes([0x00]) + bytes(_DC_BITS) + bytes(_DC_VALS)
           + bytes([0x10]) + bytes(_AC_BITS) + bytes(_AC_VALS))
    sos = bytes([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0])
    dc_codes = _huffman_codes(_DC_BITS, _DC_VALS)
    eob_code, eob_len = _huffman_codes(_AC_BITS, _AC_VALS)[0x00]
    bits = _BitWriter()
    previous = [0, 0, 0]
    for by in range(0, height, 8):
        for bx in range(0, width, 8):
            # Four samples stand in for the block's 64 pixels: the pictures are flat areas.
            block = [_ycbcr(pixels[min(y, height - 1)][min(x, width - 1)])
                     for y in (by + 1, by + 5) for x in (bx + 1, bx + 5)]
            for comp in range(3):
                level = sum(p[comp] for p in block) / len(block) - 128
                dc = round(level)            # DC = 8 * level, quantised by 8
                diff = dc - previous[comp]
                previous[comp] = dc
                size = abs(diff).bit_length()
                code, length = dc_codes[size]
                bits.write(code, length)
                if size:
                    bits.write(diff if diff > 0 else diff + (1 << size) - 1, size)
                bits.write(eob_code, eob_len)
    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return (b"\xff\xd8" + seg(0xE0, jfif) + seg(0xDB, quant) + seg(0xC0, sof) + seg(0xC4, dht)
            + seg(0xDA, sos) + bits.flush() + b"\xff\xd9")


# ---------------------------------------------------------------- documents

def _pdf_text(text: str) -> str:
    """Hex string for a UCS-2 (UniGB-UCS2-H) font: no byte-order mark."""
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def _pdf_info_text(text: str) -> str:
    """Hex text string for the Info dictionary: UTF-16BE with its byte-order mark."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def pdf_bytes(title: str, lines: list[str], *, author: str, date: str) -> bytes:
    """A one-page PDF whose Chinese text uses the standard Adobe font STSong-Light (no embedding).

    `date` is `YYYYMMDDHHMMSS`, used for the document's creation date."""
    y = 780
    ops = ["BT", "/F1 16 Tf", f"1 0 0 1 72 {y} Tm", f"{_pdf_text(title)} Tj", "/F1 11 Tf"]
    for line in lines:
        y -= 22
        ops.append(f"1 0 0 1 72 {y} Tm {_pdf_text(line[:40])} Tj")
    ops.append("ET")
    content = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"
        b" /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo"
        b" << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]"
        b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
        ("<< /Title %s /Author %s /Producer (Kingsoft WPS) /CreationDate (D:%s+08'00') >>"
         % (_pdf_info_text(title), _pdf_info_text(author), date)).encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, len(objects), xref))
    return bytes(out)


_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR = 512


def _dir_entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le") if name else b""
    return (encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", _NOSTREAM, _NOSTREAM, child) + b"\x00" * 16
            + struct.pack("<I", 0) + b"\x00" * 16 + struct.pack("<IQ", start, size))


def ole2_bytes(stream_name: str, payload: bytes) -> bytes:
    """An OLE2 compound file (the container of .doc/.xls/.wps) holding one stream.

    Layout: header, sector 0 = FAT, sector 1 = directory, sectors 2.. = the stream (padded to at
    least 4096 bytes so it lives in regular sectors, not the mini stream)."""
    size = max(len(payload), 4096)
    data = payload.ljust(-(-size // _SECTOR) * _SECTOR, b"\x00")
    n = len(data) // _SECTOR
    if n + 2 > _SECTOR // 4:
        raise ValueError("payload too large for a one-sector FAT")
    fat = [_FATSECT, _END] + [2 + i + 1 for i in range(n - 1)] + [_END]
    fat += [_FREE] * (_SECTOR // 4 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108)
    directory = (_dir_entry("Root Entry", 5, 1, _END, 0) + _dir_entry(stream_name, 2, _NOSTREAM, 2, size)
                 + _dir_entry("", 0, _NOSTREAM, 0, 0) * 2)
    return header + struct.pack("<128I", *fat) + directory + data


def doc_bytes(title: str, paragraphs: list[str], *, wps: bool = False) -> bytes:
    """A Word 97 (.doc) or WPS (.wps) container: FIB signature, then the text in UTF-16."""
    fib = struct.pack("<HHHH", 0xA5EC, 0xC1, 0x0804 if wps else 0x0409, 0x0000)
    text = "\r".join([title, *paragraphs]).encode("utf-16-le")
    return ole2_bytes("WordDocument", fib.ljust(1024, b"\x00") + text)


def xls_bytes(title: str, rows: list[list[str]]) -> bytes:
    """An Excel 97 (.xls) container: BIFF8 BOF record, then the cell texts in UTF-16."""
    bof = struct.pack("<HHHHHHI", 0x0809, 16, 0x0600, 0x0005, 0x2775, 0x07CD, 0x000100C1) + b"\x00" * 4
    cells = "\t".join([title] + ["|".join(row) for row in rows]).encode("utf-16-le")
    return ole2_bytes("Workbook", bof + cells)


def _zip(files: list[tuple[str, bytes]], when: tuple[int, int, int, int, int, int]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _ooxml_core(title: str, author: str, iso: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
            f'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{escape(title)}</dc:title>'
            f'<dc:creator>{escape(author)}</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">{iso}'
            f'</dcterms:created></cp:coreProperties>').encode("utf-8")


def _ooxml_rels(main: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
            'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="'
            f'{main}"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>'
            ).encode("utf-8")


def _content_types(main_part: str, main_type: str, extra: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="'
            'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/{main_part}" ContentType="{main_type}"/>'
            f'{extra}<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
            'package.core-properties+xml"/></Types>').encode("utf-8")


def _zip_time(iso: str) -> tuple[int, int, int, int, int, int]:
    return (int(iso[0:4]), int(iso[5:7]), int(iso[8:10]), int(iso[11:13]), int(iso[14:16]), 0)


def docx_bytes(title: str, paragraphs: list[str], *, author: str, iso: str) -> bytes:
    """A minimal Word 2007+ document. `iso` is `YYYY-MM-DDTHH:MM:SSZ`."""
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in [title, *paragraphs])
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://'
                'schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                f'{body}</w:body></w:document>').encode("utf-8")
    main_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _zip([("[Content_Types].xml", _content_types("word/document.xml", main_type)),
                 ("_rels/.rels", _ooxml_rels("word/document.xml")),
                 ("docProps/core.xml", _ooxml_core(title, author, iso)),
                 ("word/document.xml", document)], _zip_time(iso))


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def xlsx_bytes(title: str, rows: list[list[str]], *, author: str, iso: str) -> bytes:
    """A minimal Excel 2007+ workbook with one sheet of inline strings."""
    sheet_rows = []
    for r, row in enumerate([[title], *rows], start=1):
        cells = "".join(f'<c r="{_column_letter(c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                        for c, v in enumerate(row))
        sheet_rows.append(f'<row r="{r}">{cells}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {ns}><sheetData>'
             f'{"".join(sheet_rows)}</sheetData></worksheet>').encode("utf-8")
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {ns} {rel_ns}>'
                '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>').encode("utf-8")
    workbook_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
                     'http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1"'
                     ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
                     ' Target="worksheets/sheet1.xml"/></Relationships>').encode("utf-8")
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    main_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    extra = f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_type}"/>'
    return _zip([("[Content_Types].xml", _content_types("xl/workbook.xml", main_type, extra)),
                 ("_rels/.rels", _ooxml_rels("xl/workbook.xml")),
                 ("docProps/core.xml", _ooxml_core(title, author, iso)),
                 ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", workbook_rels),
                 ("xl/worksheets/sheet1.xml", sheet)], _zip_time(iso))


def zip_bytes(files: list[tuple[str, bytes]], *, iso: str) -> bytes:
    """A plain zip archive (names are stored UTF-8 flagged)."""
    return _zip(files, _zip_time(iso))
