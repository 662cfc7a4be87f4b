// A receipt's words in History: which entries open one, and where saving it went.
import type { SavedReceipt } from '../../../../shared/ipc/contract';

export { hasReceipt } from '../../../../shared/api/receipts';

/** "Saved to /home/ada/receipt.txt", "Downloaded credits-desk-receipt-pur_….txt", or "Not saved" (the dialog was canceled). */
export function savedText(r: SavedReceipt): string {
  if (!r.saved) return 'Not saved';
  return r.path ? `Saved to ${r.path}` : `Downloaded ${r.fileName}`;
}
