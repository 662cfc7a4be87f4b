// Receipts in main: a History entry's receipt (the entry, and the purchase it names: the server's when online, else the store's cache), saved as a file through the shell (Electron: a save dialog; browser mode: a download).
import { writeFile } from 'node:fs/promises';
import { isPaymentEntry, type LedgerEntry, type Purchase } from '../../shared/api/index';
import { receiptOf, receiptText, type Receipt } from '../../shared/api/receipts';
import { UserFacingError } from './ipc-dispatch';
import { makePrivate, PRIVATE_FILE_MODE } from './private-files';

/** Where a saved file went: a path (a save dialog), or the address the page downloads it from (browser mode); not saved when the user canceled. */
export interface SavedFile {
  saved: boolean;
  path: string | null;
  downloadUrl: string | null;
}
/** How the shell saves a file main wrote. */
export type SaveFile = (fileName: string, text: string) => Promise<SavedFile>;

export interface ReceiptsOptions {
  history: { entriesByIds(ids: readonly number[]): LedgerEntry[] };
  /** the purchase an entry names, or null when neither the server nor the cache has it */
  purchase: (id: string) => Promise<Purchase | null>;
  saveFile?: SaveFile | undefined;
}

export class ReceiptsCore {
  constructor(private readonly opts: ReceiptsOptions) {}

  /** The receipt of a History entry: a purchase, a renewal, a refund or a failed payment. */
  async receipt(entryId: number): Promise<Receipt> {
    const [entry] = this.opts.history.entriesByIds([entryId]);
    if (!entry) throw new UserFacingError('not_found', 'That entry is no longer kept on this computer.');
    const purchaseId = isPaymentEntry(entry) ? (entry.details.purchaseId ?? null) : null;
    const purchase = purchaseId ? await this.opts.purchase(purchaseId).catch(() => null) : null;
    const receipt = receiptOf(entry, purchase);
    if (!receipt) throw new UserFacingError('no_receipt', 'Only purchases, renewals, refunds and failed payments have a receipt.');
    return receipt;
  }

  /** Writes the receipt as a text file where the shell puts it. */
  async save(entryId: number): Promise<SavedFile & { fileName: string }> {
    const receipt = await this.receipt(entryId);
    if (!this.opts.saveFile) throw new UserFacingError('cannot_save', 'This app cannot save files here; the receipt is shown in History.');
    return { ...(await this.opts.saveFile(receipt.fileName, receiptText(receipt))), fileName: receipt.fileName };
  }
}

export type ShowSaveDialog = (opts: { defaultPath: string; filters: { name: string; extensions: string[] }[] }) => Promise<{ canceled: boolean; filePath?: string | undefined }>;

/** Electron's part, kept to the dialog it is given: asks where, and writes the file there, readable by this user only. */
export async function saveWithDialog(fileName: string, text: string, show: ShowSaveDialog): Promise<SavedFile> {
  const answer = await show({ defaultPath: fileName, filters: [{ name: 'Text', extensions: ['txt'] }] });
  if (answer.canceled || !answer.filePath) return { saved: false, path: null, downloadUrl: null };
  await writeFile(answer.filePath, text, { encoding: 'utf8', mode: PRIVATE_FILE_MODE });
  makePrivate(answer.filePath);
  return { saved: true, path: answer.filePath, downloadUrl: null };
}
