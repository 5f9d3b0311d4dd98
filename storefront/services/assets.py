"""Partner images (logos, favicons, ad images): checked, re-encoded and stored in the database.

An upload is refused unless it really is a PNG, JPEG, WebP or GIF (or ICO, for favicons) whose
name and declared type agree with its content, within UPLOAD_MAX_BYTES and UPLOAD_MAX_PIXELS on
each side, and not a decompression bomb. SVG is refused outright: an SVG is a document that can
carry scripts, event handlers and external references, and a logo does not need it.

Accepted images are decoded and encoded again, which drops metadata (EXIF with GPS positions,
comments, colour profiles) and anything smuggled after the image data. Assets are addressed by the
sha256 of the stored bytes, unique per partner: storing the same image twice reuses the row.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask import current_app
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError

from storefront.db import db
from storefront.models import Asset
from storefront.services.errors import InvalidInput
from storefront.tenancy import Tenant, scoped

# Pillow format -> (content type, file name extensions, content types a browser may declare)
FORMATS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "PNG": ("image/png", ("png",), ("image/png", "image/x-png", "image/apng")),
    "JPEG": ("image/jpeg", ("jpg", "jpeg", "jpe", "jfif"), ("image/jpeg", "image/pjpeg")),
    "WEBP": ("image/webp", ("webp",), ("image/webp",)),
    "GIF": ("image/gif", ("gif",), ("image/gif",)),
    "ICO": ("image/x-icon", ("ico",), ("image/x-icon", "image/vnd.microsoft.icon", "image/ico")),
}
IMAGE_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF"})
FAVICON_FORMATS = IMAGE_FORMATS | {"ICO"}
# Declared types that say nothing about the content (curl and some browsers send these).
VAGUE_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
MAX_GIF_FRAMES = 200
MAX_TOTAL_FRAME_PIXELS = 40_000_000
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the service needs it, independent of Werkzeug."""

    data: bytes
    filename: str = ""
    content_type: str = ""

    @classmethod
    def from_file_storage(cls, storage) -> Upload | None:
        """From a werkzeug FileStorage; None when the field was left empty."""
        if storage is None or not getattr(storage, "filename", ""):
            return None
        limit = current_app.config["UPLOAD_MAX_BYTES"]
        # Read one byte past the limit: enough to refuse, never the whole of a huge body.
        data = storage.stream.read(limit + 1)
        return cls(data=data, filename=storage.filename or "", content_type=storage.mimetype or "")


DISPLAY_NAMES = {name: "WebP" if name == "WEBP" else name for name in FORMATS}


def describe_formats(formats: frozenset[str] = IMAGE_FORMATS) -> str:
    names = [DISPLAY_NAMES[name] for name in FORMATS if name in formats]
    return ", ".join(names[:-1]) + " or " + names[-1]


def store_image(
    partner: Tenant,
    upload: Upload,
    field: str = "image",
    formats: frozenset[str] = IMAGE_FORMATS,
) -> Asset:
    """Check, re-encode and store an image for this partner; InvalidInput(field) if refused."""
    data, content_type, size = clean_image(upload, field, formats)
    return _store(partner, data, content_type, size)


def clean_image(
    upload: Upload, field: str = "image", formats: frozenset[str] = IMAGE_FORMATS
) -> tuple[bytes, str, tuple[int, int]]:
    """The re-encoded bytes, their content type and size; InvalidInput naming `field` if refused."""

    def refuse(message: str) -> InvalidInput:
        return InvalidInput(message, field)

    config = current_app.config
    data = upload.data
    if not data:
        raise refuse("Choose an image file to upload.")
    if len(data) > config["UPLOAD_MAX_BYTES"]:
        raise refuse(f"The file is larger than {_human_bytes(config['UPLOAD_MAX_BYTES'])}.")
    svg_refusal = refuse(
        "SVG images are not accepted (they can carry scripts). "
        f"Upload a {describe_formats(formats)} image instead."
    )
    if _named_svg(upload):
        raise svg_refusal
    try:
        image = _open(data, refuse, formats)
    except InvalidInput:
        if b"<svg" in data[:4096].lower():
            raise svg_refusal from None
        raise
    with image:
        if image.format not in formats:
            raise refuse(
                f"{DISPLAY_NAMES.get(image.format or '', image.format or 'These')} images are not "
                "accepted. "
                f"Upload a {describe_formats(formats)} image."
            )
        _check_declared_type(upload, image.format, refuse)
        width, height = image.size
        limit = config["UPLOAD_MAX_PIXELS"]
        if width > limit or height > limit:
            raise refuse(
                f"The image is {width}×{height} pixels; the largest allowed is {limit}×{limit}."
            )
        encoded, size = _reencode(image, refuse)
    return encoded, FORMATS[image.format][0], size


def _named_svg(upload: Upload) -> bool:
    return upload.filename.lower().endswith((".svg", ".svgz")) or upload.content_type.lower() in (
        "image/svg+xml",
        "image/svg",
    )


def _open(data: bytes, refuse, formats: frozenset[str]) -> Image.Image:
    """Open without decoding, treating Pillow's decompression-bomb warning as a refusal."""
    try:
        with warnings.catch_warnings():
            # Pillow's other warnings (corrupt EXIF and the like) concern metadata we drop anyway.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            _bomb_check(image, refuse)
            return image
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse(_BOMB) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise refuse(
            f"This file is not an image. Upload a {describe_formats(formats)} image."
        ) from None


_BOMB = (
    "The image declares a far larger size than its file holds (a decompression bomb) "
    "and was refused."
)


def _bomb_check(image: Image.Image, refuse) -> None:
    width, height = image.size
    if Image.MAX_IMAGE_PIXELS is not None and width * height > Image.MAX_IMAGE_PIXELS:
        raise refuse(_BOMB)


def _check_declared_type(upload: Upload, actual: str, refuse) -> None:
    """The file name's extension and the declared content type must match the real format."""
    content_type, extensions, declared_types = FORMATS[actual]
    real = DISPLAY_NAMES[actual]
    name = upload.filename.rsplit("/", 1)[-1]
    if "." in name:
        extension = name.rsplit(".", 1)[1].lower()
        if extension not in extensions:
            raise refuse(
                f"The file is named “.{extension}” but it is really a {real} image. "
                f"Rename it to .{extensions[0]} or export it in the format its name says."
            )
    declared = upload.content_type.split(";")[0].strip().lower()
    if declared not in VAGUE_TYPES and declared not in declared_types:
        raise refuse(f"The file was sent as {declared} but it is really a {real} image.")


def _reencode(image: Image.Image, refuse) -> tuple[bytes, tuple[int, int]]:
    """Decode fully and encode again in the same format, with no metadata."""
    out = io.BytesIO()
    try:
        with warnings.catch_warnings():
            # Pillow's other warnings (corrupt EXIF and the like) concern metadata we drop anyway.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if image.format == "GIF" and getattr(image, "n_frames", 1) > 1:
                size = _save_animated_gif(image, out, refuse)
            else:
                image.load()
                clean = _without_metadata(image)
                size = clean.size
                _save_still(clean, image.format or "", out)
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse(_BOMB) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise refuse("The image is damaged or incomplete and could not be read.") from None
    return out.getvalue(), size


def _without_metadata(image: Image.Image) -> Image.Image:
    """A copy holding only pixels: EXIF orientation applied, then every info key dropped."""
    if image.format == "JPEG":
        image = ImageOps.exif_transpose(image)
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    elif image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    clean = image.copy()
    clean.info = {}
    return clean


def _save_still(image: Image.Image, fmt: str, out: io.BytesIO) -> None:
    if fmt == "JPEG":
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=90, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=90)
    elif fmt == "GIF":
        image.save(out, "GIF")
    elif fmt == "ICO":
        side = max(image.size)
        sizes = [(s, s) for s in ICO_SIZES if s <= side] or [image.size]
        image.convert("RGBA").save(out, "ICO", sizes=sizes)


def _save_animated_gif(image: Image.Image, out: io.BytesIO, refuse) -> tuple[int, int]:
    frames_count: int = getattr(image, "n_frames", 1)  # only multi-frame formats have it
    width, height = image.size
    if frames_count > MAX_GIF_FRAMES or frames_count * width * height > MAX_TOTAL_FRAME_PIXELS:
        raise refuse(
            f"The animation has too many frames ({frames_count}); keep it under "
            f"{MAX_GIF_FRAMES} frames and {MAX_TOTAL_FRAME_PIXELS // 1_000_000} megapixels in all."
        )
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        durations.append(int(frame.info.get("duration", 100)))
        clean = frame.convert("RGBA")
        clean.info = {}
        frames.append(clean)
    frames[0].save(
        out, "GIF", save_all=True, append_images=frames[1:], duration=durations,
        loop=int(image.info.get("loop", 0)), disposal=2,
    )
    return width, height


def _store(partner: Tenant, data: bytes, content_type: str, size: tuple[int, int]) -> Asset:
    sha = hashlib.sha256(data).hexdigest()
    existing = find_asset(partner, sha)
    if existing is not None:
        return existing
    asset = Asset(
        partner_id=partner.id, sha256=sha, content_type=content_type, data=data,
        width=size[0], height=size[1],
    )
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite serialises writers, and pysqlite would make a savepoint commit the request's work.
        db.session.add(asset)
        db.session.flush()
        return asset
    try:
        # A savepoint: when the same image arrives twice at once, the loser reuses the winner's row.
        with db.session.begin_nested():
            db.session.add(asset)
    except IntegrityError:
        existing = find_asset(partner, sha)
        if existing is None:
            raise
        return existing
    return asset


def find_asset(partner: Tenant, sha: str) -> Asset | None:
    return db.session.scalar(scoped(Asset, partner.id).where(Asset.sha256 == sha))


def _human_bytes(count: int) -> str:
    if count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MB"
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    return f"{count // 1024} KB"
