// A QR code of an otpauth:// URI, drawn in the browser (the secret never leaves the page).

import QRCode from "qrcode";
import { useEffect, useState } from "react";

export function QrCode({ text, label }: { text: string; label: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    QRCode.toDataURL(text, { margin: 2, width: 220, errorCorrectionLevel: "M" })
      .then((made) => current && setUrl(made))
      .catch((failure: unknown) => current && setError(String(failure)));
    return () => {
      current = false;
    };
  }, [text]);

  if (error) return <p className="error">Could not draw the QR code: {error}</p>;
  return url ? <img className="qr" src={url} alt={label} width={220} height={220} /> : null;
}
