// The tab's memory of its workspace, so that a reload of the Room page keeps a student in their room.
//
// Mounted by ui/shell/tab_memory.py as a Streamlit component (st.components.v2, a public API).
// Why a script: the Room page's address never carries the workspace code (whoever copied it would get the
// student's runs), a reload starts a new Streamlit session, and no Streamlit option or API keeps anything in
// the browser: without this, a student who reloaded (phones reload a tab they come back to) was asked to join
// again and left an empty row on the board. It reads no element of Streamlit's page.
//
// Its data (component.data), strings only: {keep: a workspace code to remember}, {forget: "1"} (the code it
// gave back opens no workspace any more) or {ask: "1"}. It keeps the
// code in sessionStorage: this tab only, gone when the tab closes (a shared classroom computer does not hand
// the next student this one's workspace), never sent anywhere but back to this page's own server as the
// state value "kept" (setStateValue, which reruns the page). Storage turned off (some private modes): it says
// nothing, and a reload asks to join again, as before.
export default function (component) {
  const data = component.data || {};
  const KEY = "cnn-playground-workspace";
  try {
    if (data.keep) {
      window.sessionStorage.setItem(KEY, data.keep);
      return;
    }
    if (data.forget) {
      window.sessionStorage.removeItem(KEY);
      return;
    }
    const kept = window.sessionStorage.getItem(KEY);
    if (data.ask && kept) component.setStateValue("kept", kept);
  } catch (err) {
    // no storage in this browser: nothing to keep or give back
  }
}
